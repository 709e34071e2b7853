package config

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
)

func TestCreateFlags(t *testing.T) {
	tests := []struct {
		opts  CreateOptions
		flags []string
		max   int
	}{
		{CreateOptions{}, []string{"HKDF", "GCMIV128", "DirIV", "EMENames", "LongNames", "Raw64"}, 255},
		{CreateOptions{XChaCha: true}, []string{"HKDF", "XChaCha20Poly1305", "DirIV", "EMENames", "LongNames", "Raw64"}, 255},
		{CreateOptions{LongNameMax: 255}, []string{"HKDF", "GCMIV128", "DirIV", "EMENames", "LongNames", "Raw64"}, 255},
		{CreateOptions{LongNameMax: 100}, []string{"HKDF", "GCMIV128", "DirIV", "LongNameMax", "EMENames", "LongNames", "Raw64"}, 100},
	}
	for _, tt := range tests {
		c, _ := newTestConfig(t, tt.opts)
		if !slices.Equal(c.FeatureFlags, tt.flags) || c.NameMax() != tt.max {
			t.Errorf("%+v: flags %v NameMax %d", tt.opts, c.FeatureFlags, c.NameMax())
		}
		if c.Version != 2 || c.Creator != DefaultCreator || c.Scrypt.N != 1<<testLogN {
			t.Errorf("%+v: Version %d Creator %q N %d", tt.opts, c.Version, c.Creator, c.Scrypt.N)
		}
	}
}

func TestCreateRoundTrip(t *testing.T) {
	for _, x := range []bool{false, true} {
		c, master := newTestConfig(t, CreateOptions{XChaCha: x, LongNameMax: 80, Creator: "me"})
		data, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		c2, err := Parse(data)
		if err != nil {
			t.Fatalf("Parse: %v\n%s", err, data)
		}
		if c2.Creator != "me" || c2.LongNameMax != 80 || c2.Algorithm() != c.Algorithm() {
			t.Errorf("round trip changed fields: %+v", c2)
		}
		got, err := c2.MasterKey(testPassword)
		if err != nil || !bytes.Equal(got, master) || len(master) != crypto.KeySize {
			t.Errorf("MasterKey: %x, %v; want %x", got, err, master)
		}
		if _, err := c2.MasterKey([]byte("Correct horse battery staple")); !errors.Is(err, crypto.ErrWrongPassword) {
			t.Errorf("wrong password: %v", err)
		}
	}
}

func TestCreateDistinctKeys(t *testing.T) {
	c1, m1 := newTestConfig(t, CreateOptions{})
	c2, m2 := newTestConfig(t, CreateOptions{})
	if bytes.Equal(m1, m2) || bytes.Equal(c1.Scrypt.Salt, c2.Scrypt.Salt) {
		t.Error("two vaults share a master key or salt")
	}
}

func TestCreateRejects(t *testing.T) {
	bad := []CreateOptions{{ScryptLogN: 9}, {ScryptLogN: 29}, {ScryptLogN: -1},
		{ScryptLogN: 10, LongNameMax: 61}, {ScryptLogN: 10, LongNameMax: 256}}
	for _, o := range bad {
		if _, _, err := Create(o, testPassword); err == nil {
			t.Errorf("Create(%+v) succeeded", o)
		}
	}
	if _, _, err := Create(CreateOptions{ScryptLogN: 10}, nil); err == nil {
		t.Error("Create with an empty password succeeded")
	}
	if n, err := checkLogN(0); err != nil || n != crypto.DefaultScryptLogN {
		t.Errorf("default logN: %d, %v", n, err)
	}
}

func TestSetPassword(t *testing.T) {
	c, master := newTestConfig(t, CreateOptions{})
	oldSalt, oldKey := c.Scrypt.Salt, c.EncryptedKey
	newPW := []byte("new password")
	if err := c.SetPassword(master, newPW, 0); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(c.Scrypt.Salt, oldSalt) || bytes.Equal(c.EncryptedKey, oldKey) {
		t.Error("salt or EncryptedKey unchanged")
	}
	if c.Scrypt.N != 1<<testLogN || c.Scrypt.R != 8 || c.Scrypt.P != 1 {
		t.Errorf("logN 0 changed the cost: %+v", c.Scrypt)
	}
	if got, err := c.MasterKey(newPW); err != nil || !bytes.Equal(got, master) {
		t.Errorf("new password: %x, %v", got, err)
	}
	if _, err := c.MasterKey(testPassword); !errors.Is(err, crypto.ErrWrongPassword) {
		t.Errorf("old password still works: %v", err)
	}
	if err := c.SetPassword(master, newPW, 11); err != nil || c.Scrypt.N != 2048 {
		t.Errorf("logN 11: N %d, %v", c.Scrypt.N, err)
	}
}

// TestForgedScryptWork: r and p other than gocryptfs's 8 and 1 multiply
// the work of every unlock; a forged config is refused before scrypt runs.
func TestForgedScryptWork(t *testing.T) {
	c, master := newTestConfig(t, CreateOptions{})
	c.Scrypt.P = 1024
	if _, err := c.MasterKey(testPassword); !errors.Is(err, ErrInvalid) ||
		!strings.Contains(err.Error(), "r=8 p=1") {
		t.Errorf("MasterKey with P=1024: %v", err)
	}
	c.Scrypt.R, c.Scrypt.P = 16, 2
	if err := c.SetPassword(master, testPassword, 0); err == nil {
		t.Error("SetPassword kept R=16 P=2")
	}
}

func TestSetPasswordErrorsLeaveConfig(t *testing.T) {
	c, master := newTestConfig(t, CreateOptions{})
	before, _ := c.Marshal()
	calls := []func() error{
		func() error { return c.SetPassword(master, nil, 0) },
		func() error { return c.SetPassword(master[:16], testPassword, 0) },
		func() error { return c.SetPassword(master, testPassword, 40) },
	}
	for i, call := range calls {
		if err := call(); err == nil {
			t.Errorf("call %d succeeded", i)
		}
	}
	if after, _ := c.Marshal(); !bytes.Equal(after, before) {
		t.Error("failed SetPassword changed the config")
	}
}

// TestKeyCheckStored: a new config carries the key check of its master
// key, it survives Marshal/Parse, and a password change sets it.
func TestKeyCheckStored(t *testing.T) {
	c, master := newTestConfig(t, CreateOptions{})
	if !crypto.MatchKeyCheck(master, c.KeyCheck()) {
		t.Fatalf("new config: key check %x", c.KeyCheck())
	}
	data, _ := c.Marshal()
	if !bytes.Contains(data, []byte("\n\t\""+KeyCheckField+"\": \"")) {
		t.Errorf("key check not written:\n%s", data)
	}
	c2, err := Parse(data)
	if err != nil || !crypto.MatchKeyCheck(master, c2.KeyCheck()) {
		t.Fatalf("parsed: %v %x", err, c2.KeyCheck())
	}
	c2.extra = nil // as after a password change by gocryptfs
	if c2.KeyCheck() != nil {
		t.Fatal("key check without the member")
	}
	if err := c2.SetPassword(master, testPassword, 0); err != nil || !crypto.MatchKeyCheck(master, c2.KeyCheck()) {
		t.Errorf("SetPassword: %v, key check %x", err, c2.KeyCheck())
	}
}

// TestRebuild: a config rebuilt from the master key has the flags of a
// new vault with the same options and unwraps to that key.
func TestRebuild(t *testing.T) {
	orig, master := newTestConfig(t, CreateOptions{XChaCha: true, LongNameMax: 86})
	c, err := Rebuild(CreateOptions{ScryptLogN: testLogN, XChaCha: true, LongNameMax: 86}, master, []byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.FeatureFlags, orig.FeatureFlags) || c.LongNameMax != 86 {
		t.Errorf("flags %v %d, want %v 86", c.FeatureFlags, c.LongNameMax, orig.FeatureFlags)
	}
	if got, err := c.MasterKey([]byte("new")); err != nil || !bytes.Equal(got, master) {
		t.Errorf("MasterKey: %v", err)
	}
	if !crypto.MatchKeyCheck(master, c.KeyCheck()) {
		t.Error("no key check")
	}
}
