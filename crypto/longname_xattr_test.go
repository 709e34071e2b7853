package crypto

import (
	"errors"
	"strings"
	"testing"
)

func TestLongNameShape(t *testing.T) {
	for label, nc := range nameCiphers(t) {
		want := 62
		if label == "padded" {
			want = 63
		}
		enc, _ := nc.EncryptName(longVectorName, testIV)
		h := nc.LongName(enc)
		if len(h) != want || !strings.HasPrefix(h, LongNamePrefix) {
			t.Errorf("%s: LongName = %q (%d chars), want %d", label, h, len(h), want)
		}
		if len(h) < MinLongNameMax || len(h) > DefaultLongNameMax {
			t.Errorf("%s: hashed name length %d outside the threshold range", label, len(h))
		}
		if h2 := nc.LongName(enc[:len(enc)-1]); h2 == h {
			t.Errorf("%s: LongName ignores the last character", label)
		}
		if len(enc) > MaxLongNameFile {
			t.Errorf("%s: encrypted 200-byte name (%d) exceeds MaxLongNameFile", label, len(enc))
		}
	}
	// The longest possible name fits a .name file exactly in padded form.
	enc, _ := nameCiphers(t)["padded"].EncryptName(strings.Repeat("z", NameMax), testIV)
	if len(enc) != MaxLongNameFile {
		t.Errorf("255-byte padded name is %d chars, want %d", len(enc), MaxLongNameFile)
	}
}

func TestIsLongName(t *testing.T) {
	const h = "gocryptfs.longname.5GDp9egQReOYWW4r94WL2RXvaHrnhY_IJVoPvh8XZaI"
	for _, c := range []struct {
		name       string
		long, side bool
	}{
		{h, true, false},
		{h + ".name", false, true},
		{"gocryptfs.longname.", true, false},
		{"gocryptfs.longname..name", false, true},
		{"gocryptfs.longname", false, false},
		{"gocryptfs.diriv", false, false},
		{"gocryptfs.conf", false, false},
		{"A886LmMg3Q8pefjU02-hDw", false, false},
		{"x" + h, false, false},
		{"Gocryptfs.longname.abc", false, false},
		{h + ".nam", true, false},
		{h + ".name.bak", true, false},
		{"", false, false},
	} {
		if got := IsLongName(c.name); got != c.long {
			t.Errorf("IsLongName(%q) = %v", c.name, got)
		}
		if got := IsLongNameFile(c.name); got != c.side {
			t.Errorf("IsLongNameFile(%q) = %v", c.name, got)
		}
	}
}

func TestXattrNameRoundTrip(t *testing.T) {
	for label, nc := range nameCiphers(t) {
		for _, name := range []string{
			"user.test", "security.capability", "trusted.x", "a", "/", ".", "..",
			"user.Grüße", strings.Repeat("n", 15), strings.Repeat("n", 16),
			strings.Repeat("n", 255), strings.Repeat("n", 2047),
		} {
			enc, err := nc.EncryptXattrName(name)
			if err != nil || !strings.HasPrefix(enc, XattrPrefix) {
				t.Fatalf("%s: EncryptXattrName(%.20q) = %q, %v", label, name, enc, err)
			}
			back, err := nc.DecryptXattrName(enc)
			if err != nil || back != name {
				t.Fatalf("%s: DecryptXattrName(%.30q) = %.20q, %v", label, enc, back, err)
			}
			if label == "padded" && len(name)%3 != 0 && !strings.HasSuffix(enc, "=") {
				t.Fatalf("padded xattr name without '=': %q", enc)
			}
		}
	}
	// Xattr names use a fixed tweak, not a directory IV: they must not
	// collide with the encryption of the same string as a file name.
	nc := nameCiphers(t)["raw64"]
	x, _ := nc.EncryptXattrName("user.test")
	f, _ := nc.EncryptName("user.test", testIV)
	if strings.TrimPrefix(x, XattrPrefix) == f {
		t.Fatal("xattr tweak equals the test IV")
	}
	if f2, _ := nc.EncryptName("user.test", xattrTweak); strings.TrimPrefix(x, XattrPrefix) != f2 {
		t.Fatalf("xattr name %q is not EME under %q", x, xattrTweak)
	}
}

func TestEncryptXattrNameInvalid(t *testing.T) {
	nc := nameCiphers(t)["raw64"]
	for _, name := range []string{"", "\x00", "user.a\x00b", strings.Repeat("n", 2048), strings.Repeat("n", 5000)} {
		if enc, err := nc.EncryptXattrName(name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("EncryptXattrName(%.20q) = %q, %v; want ErrInvalidName", name, enc, err)
		}
	}
}

func TestDecryptXattrNameGarbage(t *testing.T) {
	ncs := nameCiphers(t)
	nc := ncs["raw64"]
	good, _ := nc.EncryptXattrName("user.test")
	body := strings.TrimPrefix(good, XattrPrefix)
	raw := func(b []byte) string { return XattrPrefix + encryptRaw(nc, xattrTweak, b) }
	for what, s := range map[string]string{
		"empty":          "",
		"prefix only":    XattrPrefix,
		"no prefix":      body,
		"other prefix":   "user.other." + body,
		"plain user":     "user.test",
		"acl":            "system.posix_acl_access",
		"bad alphabet":   XattrPrefix + "!!!!" + body[4:],
		"with padding":   good + "==",
		"with newline":   good[:20] + "\n" + good[20:],
		"non-canonical":  XattrPrefix + nonCanonical(body),
		"15 bytes":       XattrPrefix + nc.enc.EncodeToString(pattern(15)),
		"2064 bytes":     XattrPrefix + nc.enc.EncodeToString(pattern(2064)),
		"bad padding":    raw([]byte("user.test\x07\x07\x07\x07\x07\x07\x06")),
		"pad is all":     raw([]byte("\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10")),
		"decrypts w/NUL": raw(pad16([]byte("user.a\x00b"))),
		"dir tweak":      XattrPrefix + encryptRaw(nc, testIV, pad16([]byte("user.test"))),
	} {
		if got, err := nc.DecryptXattrName(s); !errors.Is(err, ErrBadName) || got != "" {
			t.Errorf("%s: DecryptXattrName(%.40q) = %q, %v; want ErrBadName", what, s, got, err)
		}
	}
	if got, err := nc.DecryptXattrName(good); err != nil || got != "user.test" {
		t.Fatalf("control: %q, %v", got, err)
	}
}
