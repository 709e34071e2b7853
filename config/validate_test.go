package config

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
)

// base returns a valid config with the default gocryptfs flags. It runs
// no scrypt: Validate does not need a real key.
func base() *Config {
	return &Config{
		Creator:      "test",
		EncryptedKey: make([]byte, crypto.WrappedKeySize),
		Scrypt:       crypto.ScryptParams{Salt: make([]byte, 32), N: 1024, R: 8, P: 1, KeyLen: 32},
		Version:      2,
		FeatureFlags: []string{"HKDF", "GCMIV128", "DirIV", "EMENames", "LongNames", "Raw64"},
	}
}

func flags(fs ...string) func(*Config) {
	return func(c *Config) { c.FeatureFlags = fs }
}

func TestValidateFeatureErrors(t *testing.T) {
	tests := []struct {
		name, flag string
		mod        func(*Config)
	}{
		{"unknown", "Compression", flags("HKDF", "GCMIV128", "EMENames", "Compression")},
		{"case", "hkdf", flags("hkdf", "GCMIV128", "EMENames")},
		{"aessiv", "AESSIV", flags("HKDF", "GCMIV128", "EMENames", "AESSIV")},
		{"plaintextnames", "PlaintextNames", flags("HKDF", "GCMIV128", "PlaintextNames")},
		{"fido2", "FIDO2", flags("HKDF", "GCMIV128", "DirIV", "EMENames", "FIDO2")},
		{"no hkdf", "HKDF", flags("GCMIV128", "DirIV", "EMENames", "LongNames")},
		{"no emenames", "EMENames", flags("HKDF", "GCMIV128", "DirIV", "LongNames", "Raw64")},
		{"gcm96", "GCMIV128", flags("HKDF", "DirIV", "EMENames", "LongNames", "Raw64")},
	}
	for _, tt := range tests {
		c := base()
		tt.mod(c)
		err := c.Validate()
		var fe *FeatureError
		if !errors.As(err, &fe) || fe.Flag != tt.flag || !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: got %v, want FeatureError for %q", tt.name, err, tt.flag)
			continue
		}
		if !strings.Contains(err.Error(), `"`+tt.flag+`"`) || fe.Reason == "" {
			t.Errorf("%s: message does not explain: %v", tt.name, err)
		}
	}
}

func TestValidateUnknownFlagReason(t *testing.T) {
	c := base()
	c.FeatureFlags = append(c.FeatureFlags, "Foo")
	var fe *FeatureError
	if !errors.As(c.Validate(), &fe) || fe.Reason != "unknown feature flag" {
		t.Fatalf("got %v", fe)
	}
}

func TestValidateFieldErrors(t *testing.T) {
	tests := []struct {
		name, field, mention string
		mod                  func(*Config)
	}{
		{"version 0", "Version", "missing", func(c *Config) { c.Version = 0 }},
		{"version 3", "Version", "3", func(c *Config) { c.Version = 3 }},
		{"xchacha+siv", "FeatureFlags", "AESSIV", flags("HKDF", "XChaCha20Poly1305", "AESSIV", "EMENames")},
		{"siv no iv128", "FeatureFlags", "GCMIV128", flags("HKDF", "AESSIV", "EMENames")},
		{"xchacha+iv128", "FeatureFlags", "GCMIV128", flags("HKDF", "XChaCha20Poly1305", "GCMIV128", "EMENames")},
		{"xchacha no hkdf", "FeatureFlags", "HKDF", flags("XChaCha20Poly1305", "EMENames")},
		{"plaintext+eme", "FeatureFlags", "EMENames", flags("HKDF", "GCMIV128", "PlaintextNames", "EMENames")},
		{"plaintext+raw64", "FeatureFlags", "Raw64", flags("HKDF", "GCMIV128", "PlaintextNames", "Raw64")},
		{"field no flag", "LongNameMax", "flag", func(c *Config) { c.LongNameMax = 100 }},
		{"flag no field", "LongNameMax", "flag", func(c *Config) { c.FeatureFlags = append(c.FeatureFlags, "LongNameMax") }},
		{"longnamemax 61", "LongNameMax", "61", longNameMax(61)},
		{"longnamemax 256", "LongNameMax", "256", longNameMax(256)},
		{"longnamemax -1", "LongNameMax", "-1", longNameMax(-1)},
		{"N small", "ScryptObject", "N", func(c *Config) { c.Scrypt.N = 512 }},
		{"N not pow2", "ScryptObject", "N", func(c *Config) { c.Scrypt.N = 1536 }},
		{"R small", "ScryptObject", "r", func(c *Config) { c.Scrypt.R = 4 }},
		{"P zero", "ScryptObject", "p", func(c *Config) { c.Scrypt.P = 0 }},
		{"P 1024", "ScryptObject", "p=1024", func(c *Config) { c.Scrypt.P = 1024 }},
		{"RP overflow", "ScryptObject", "r or p", func(c *Config) { c.Scrypt.R, c.Scrypt.P = 1<<40, 1<<40 }},
		{"RP max", "ScryptObject", "r or p", func(c *Config) { c.Scrypt.R, c.Scrypt.P = math.MaxInt, math.MaxInt }},
		{"salt short", "ScryptObject", "salt", func(c *Config) { c.Scrypt.Salt = c.Scrypt.Salt[:31] }},
		{"keylen", "ScryptObject", "key length", func(c *Config) { c.Scrypt.KeyLen = 64 }},
		{"legacy key", "EncryptedKey", "60", func(c *Config) { c.EncryptedKey = c.EncryptedKey[:60] }},
		{"no key", "EncryptedKey", "0", func(c *Config) { c.EncryptedKey = nil }},
	}
	for _, tt := range tests {
		c := base()
		tt.mod(c)
		err := c.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want FieldError for %s", tt.name, err, tt.field)
			continue
		}
		if !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: message %q should mention %q", tt.name, err, tt.mention)
		}
	}
}

func longNameMax(n int) func(*Config) {
	return func(c *Config) {
		c.FeatureFlags = append(c.FeatureFlags, FlagLongNameMax)
		c.LongNameMax = n
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*Config)
		dirIV  bool
		raw64  bool
		max    int
		xchach bool
	}{
		{"default", func(*Config) {}, true, true, 255, false},
		{"deterministic names", flags("HKDF", "GCMIV128", "EMENames", "LongNames", "Raw64"), false, true, 255, false},
		{"padded base64", flags("HKDF", "GCMIV128", "DirIV", "EMENames", "LongNames"), true, false, 255, false},
		{"no LongNames", flags("HKDF", "GCMIV128", "DirIV", "EMENames", "Raw64"), true, true, 255, false},
		{"duplicates", flags("HKDF", "HKDF", "GCMIV128", "DirIV", "EMENames", "Raw64", "Raw64"), true, true, 255, false},
		{"xchacha", flags("HKDF", "XChaCha20Poly1305", "DirIV", "EMENames", "LongNames", "Raw64"), true, true, 255, true},
		{"longnamemax 62", longNameMax(62), true, true, 62, false},
		{"longnamemax 255", longNameMax(255), true, true, 255, false},
	}
	for _, tt := range tests {
		c := base()
		tt.mod(c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		xchacha := c.Algorithm() == crypto.XChaCha20Poly1305
		if c.DirIV() != tt.dirIV || c.Raw64() != tt.raw64 || c.NameMax() != tt.max || xchacha != tt.xchach {
			t.Errorf("%s: DirIV %v Raw64 %v NameMax %d XChaCha %v", tt.name,
				c.DirIV(), c.Raw64(), c.NameMax(), xchacha)
		}
	}
}
