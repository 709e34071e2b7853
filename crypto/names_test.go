package crypto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var testIV = []byte("0123456789abcdef")

func nameCiphers(t testing.TB) map[string]*NameCipher {
	m := map[string]*NameCipher{}
	for label, raw := range map[string]bool{"raw64": true, "padded": false} {
		n, err := NewNameCipher(pattern(KeySize), raw)
		if err != nil {
			t.Fatal(err)
		}
		m[label] = n
	}
	return m
}

// utf8Name returns a valid UTF-8 name of exactly n bytes built mostly
// from 2-, 3- and 4-byte characters.
func utf8Name(n int) string {
	var b strings.Builder
	runes := []string{"ü", "日", "😀", "é", "ß"}
	for i := 0; ; i++ {
		r := runes[i%len(runes)]
		if b.Len()+len(r) > n {
			break
		}
		b.WriteString(r)
	}
	for b.Len() < n {
		b.WriteByte('a')
	}
	return b.String()
}

// rawLen is the unpadded base64 length of a name of n bytes after PKCS#7
// padding (docs/format.md §5.2).
func rawLen(n int) int {
	padded := (n/16 + 1) * 16
	return (padded*8 + 5) / 6
}

func TestNameRoundTripAllLengths(t *testing.T) {
	for label, nc := range nameCiphers(t) {
		for n := 1; n <= NameMax; n++ {
			for _, name := range []string{strings.Repeat("x", n), utf8Name(n)} {
				if len(name) != n || !utf8.ValidString(name) {
					t.Fatalf("bad test name of length %d", n)
				}
				enc, err := nc.EncryptName(name, testIV)
				if err != nil {
					t.Fatalf("%s: EncryptName(len %d): %v", label, n, err)
				}
				want := rawLen(n)
				if label == "padded" {
					want = (want + 3) / 4 * 4
				}
				if len(enc) != want || (n >= 6 && strings.Contains(enc, name)) {
					t.Fatalf("%s: len %d: encrypted to %d chars, want %d", label, n, len(enc), want)
				}
				if label == "raw64" && (len(enc) > DefaultLongNameMax) != (n >= 176) {
					t.Fatalf("len %d: %d chars, long-name boundary is 176 bytes", n, len(enc))
				}
				back, err := nc.DecryptName(enc, testIV)
				if err != nil || back != name {
					t.Fatalf("%s: DecryptName(len %d) = %q, %v", label, n, back, err)
				}
			}
		}
	}
}

func TestNameDeterminismAndIV(t *testing.T) {
	nc := nameCiphers(t)["raw64"]
	a, _ := nc.EncryptName("file.txt", testIV)
	b, _ := nc.EncryptName("file.txt", testIV)
	c, _ := nc.EncryptName("file.txt", bytes.Repeat([]byte{1}, DirIVSize))
	d, _ := nc.EncryptName("file.txu", testIV)
	if a != b || a == c || a == d {
		t.Fatalf("same IV %q %q, other IV %q, other name %q", a, b, c, d)
	}
	// EME hides common prefixes: one changed last byte changes every block.
	x, _ := nc.EncryptName(strings.Repeat("p", 40)+"1", testIV)
	y, _ := nc.EncryptName(strings.Repeat("p", 40)+"2", testIV)
	if x[:20] == y[:20] {
		t.Fatal("common plaintext prefix visible")
	}
}

func TestEncryptNameInvalid(t *testing.T) {
	nc := nameCiphers(t)["raw64"]
	for _, c := range []struct {
		name string
		want error
	}{
		{"", ErrInvalidName},
		{".", ErrInvalidName},
		{"..", ErrInvalidName},
		{"/", ErrInvalidName},
		{"a/b", ErrInvalidName},
		{"a/", ErrInvalidName},
		{"a\x00b", ErrInvalidName},
		{"\x00", ErrInvalidName},
		{strings.Repeat("a", 256), ErrNameTooLong},
		{strings.Repeat("a", 1000), ErrNameTooLong},
		{utf8Name(256), ErrNameTooLong},
	} {
		if got, err := nc.EncryptName(c.name, testIV); !errors.Is(err, c.want) || got != "" {
			t.Errorf("EncryptName(%.20q) = %q, %v; want %v", c.name, got, err, c.want)
		}
		if err := ValidName(c.name); !errors.Is(err, c.want) {
			t.Errorf("ValidName(%.20q) = %v; want %v", c.name, err, c.want)
		}
	}
	for _, ok := range []string{"...", ".a", "a.", " ", "\n", "gocryptfs.conf", "gocryptfs.diriv", "\xff\xfe"} {
		if _, err := nc.EncryptName(ok, testIV); err != nil {
			t.Errorf("EncryptName(%q): %v", ok, err)
		}
	}
}

const b64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// nonCanonical sets an unused low bit in the last character of an
// unpadded base64url string whose length is 2 mod 4 (4 unused bits).
func nonCanonical(s string) string {
	last := strings.IndexByte(b64URL, s[len(s)-1])
	if len(s)%4 != 2 || last < 0 || last&15 != 0 {
		panic("nonCanonical: unexpected input " + s)
	}
	return s[:len(s)-1] + string(b64URL[last|1])
}

// encryptRaw encrypts an arbitrary (padded or not) byte string the way a
// name is encrypted, bypassing padding and validation.
func encryptRaw(nc *NameCipher, iv, padded []byte) string {
	return nc.enc.EncodeToString(nc.eme.Encrypt(iv, padded))
}

func TestDecryptNameGarbage(t *testing.T) {
	ncs := nameCiphers(t)
	nc := ncs["raw64"]
	good, _ := nc.EncryptName("hello", testIV)
	padded16 := bytes.Repeat([]byte{16}, 16)
	cases := map[string]string{
		"empty":            "",
		"bad alphabet":     "!!!!!!!!!!!!!!!!!!!!!!",
		"std alphabet":     strings.NewReplacer("-", "+", "_", "/").Replace(good) + "+/",
		"with padding":     good + "==",
		"with dot":         good[:10] + "." + good[11:],
		"with newline":     good[:10] + "\n" + good[10:],
		"with CR":          good + "\r",
		"non-canonical":    nonCanonical(good),
		"15 bytes":         nc.enc.EncodeToString(pattern(15)),
		"17 bytes":         nc.enc.EncodeToString(pattern(17)),
		"2064 bytes":       nc.enc.EncodeToString(pattern(2064)),
		"1 char":           "A",
		"truncated":        good[:len(good)-2],
		"pad 0":            encryptRaw(nc, testIV, []byte("hello\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")),
		"pad 17":           encryptRaw(nc, testIV, append([]byte("hello"), bytes.Repeat([]byte{17}, 11)...)),
		"pad 17 of 32":     encryptRaw(nc, testIV, append(pattern(15), bytes.Repeat([]byte{17}, 17)...)),
		"pad mixed":        encryptRaw(nc, testIV, []byte("hello\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0a\x0b")),
		"pad is all":       encryptRaw(nc, testIV, padded16),
		"pad 16 in 32":     encryptRaw(nc, testIV, append(pattern(16), pattern(16)...)),
		"decrypts to a/b":  encryptRaw(nc, testIV, pad16([]byte("a/b"))),
		"decrypts to .":    encryptRaw(nc, testIV, pad16([]byte("."))),
		"decrypts to ..":   encryptRaw(nc, testIV, pad16([]byte(".."))),
		"decrypts to NUL":  encryptRaw(nc, testIV, pad16([]byte("a\x00b"))),
		"decrypts to 256":  encryptRaw(nc, testIV, pad16(bytes.Repeat([]byte("a"), 256))),
		"other IV":         encryptRaw(nc, bytes.Repeat([]byte{9}, 16), pad16([]byte("hello"))),
		"padded encoding":  encryptRaw(ncs["padded"], testIV, pad16([]byte("hello"))),
		"long name hashed": nc.LongName(good),
	}
	for what, s := range cases {
		if got, err := nc.DecryptName(s, testIV); !errors.Is(err, ErrBadName) || got != "" {
			t.Errorf("%s: DecryptName(%.40q) = %q, %v; want ErrBadName", what, s, got, err)
		}
	}
	if got, err := nc.DecryptName(good, testIV); err != nil || got != "hello" {
		t.Fatalf("control: %q, %v", got, err)
	}
	// The non-canonical case is only rejected for its unused bits: a lax
	// decoder reads the same bytes.
	lax, err := nc.enc.DecodeString(cases["non-canonical"])
	if strict, _ := nc.enc.DecodeString(good); err != nil || !bytes.Equal(lax, strict) {
		t.Fatalf("non-canonical control: %v", err)
	}
	// The padded variant must refuse the unpadded form and vice versa.
	p := ncs["padded"]
	pgood, _ := p.EncryptName("hello", testIV)
	if !strings.HasSuffix(pgood, "=") {
		t.Fatalf("padded encoding without '=': %q", pgood)
	}
	if _, err := p.DecryptName(strings.TrimRight(pgood, "="), testIV); !errors.Is(err, ErrBadName) {
		t.Errorf("padded cipher accepted unpadded name: %v", err)
	}
	if got, err := p.DecryptName(pgood, testIV); err != nil || got != "hello" {
		t.Errorf("padded round trip: %q, %v", got, err)
	}
}

func TestPKCS7(t *testing.T) {
	for n := 0; n <= 40; n++ {
		p := pad16(pattern(n))
		want := 16 - n%16
		if len(p) != n+want || int(p[len(p)-1]) != want {
			t.Fatalf("pad16(%d) = %x", n, p)
		}
		back, ok := unpad16(p)
		if n > 0 && (!ok || !bytes.Equal(back, pattern(n))) {
			t.Fatalf("unpad16(pad16(%d)) = %x, %v", n, back, ok)
		}
		if n == 0 && ok {
			t.Fatal("unpad16 accepted an empty name")
		}
	}
	for _, b := range [][]byte{nil, {0}, {1}, {2, 2}, []byte("abc\x00"), []byte("ab\x03\x02"),
		append(pattern(15), bytes.Repeat([]byte{17}, 17)...)} {
		if _, ok := unpad16(b); ok {
			t.Errorf("unpad16(%x) accepted", b)
		}
	}
}
