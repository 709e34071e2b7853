package crypto

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// The master-key printout of testdata/gocryptfs-v2/init-aesgcm.log:
// two indented lines of four groups, the first ending in '-'.
var katPrintout = []string{
	"    6e8163b0-10b88f64-bbd64b12-52578b3b-",
	"    487fec17-7e25677b-182a6089-8d797ea1",
}

func TestFormatMasterKeyKAT(t *testing.T) {
	var joined string
	for _, l := range katPrintout {
		joined += strings.TrimSpace(l)
	}
	if got := FormatMasterKey(unhex(t, katMaster)); got != joined {
		t.Fatalf("FormatMasterKey = %q, want %q", got, joined)
	}
	// masterkey-xchacha.txt
	if got := FormatMasterKey(unhex(t, xkMaster)); got != "9e59cc4c-dd5d8185-289bc64e-3811a826-3fe15471-c605db83-490b0f6c-7b99246b" {
		t.Fatalf("FormatMasterKey = %q", got)
	}
	// The printout as it appears on the terminal parses directly.
	k, err := ParseMasterKey(strings.Join(katPrintout, "\n") + "\n")
	if err != nil || hex.EncodeToString(k) != katMaster {
		t.Fatalf("ParseMasterKey(printout) = %x, %v", k, err)
	}
}

func TestParseMasterKey(t *testing.T) {
	want := unhex(t, katMaster)
	grouped := FormatMasterKey(want)
	good := []string{
		grouped,
		katMaster,
		strings.ToUpper(katMaster),
		strings.ToUpper(grouped),
		" " + grouped + "\n",
		strings.ReplaceAll(grouped, "-", " "),
		strings.ReplaceAll(grouped, "-", "\r\n"),
		strings.ReplaceAll(grouped, "-", "\t-\t"),
		"--" + katMaster + "--",
	}
	for _, s := range good {
		k, err := ParseMasterKey(s)
		if err != nil || !bytes.Equal(k, want) {
			t.Errorf("ParseMasterKey(%q) = %x, %v", s, k, err)
		}
	}
	bad := []string{
		"",
		"-",
		katMaster[:62],
		katMaster[:63],
		katMaster + "0",
		katMaster + "00",
		katMaster[:63] + "g",
		"0x" + katMaster[2:],
		strings.Replace(grouped, "-", "_", 1),
		strings.Replace(grouped, "-", ".", 1),
		katMaster[:32] + "\x00" + katMaster[32:],
		katMaster[:32] + "\u00a0" + katMaster[32:], // non-breaking space
		strings.Repeat("é", 32),
	}
	for _, s := range bad {
		if k, err := ParseMasterKey(s); err == nil {
			t.Errorf("ParseMasterKey(%q) = %x, want error", s, k)
		}
	}
}

func TestFormatMasterKeyShape(t *testing.T) {
	k := NewMasterKey()
	if len(k) != KeySize || !independent(k, NewMasterKey()) {
		t.Fatalf("NewMasterKey = %x", k)
	}
	s := FormatMasterKey(k)
	groups := strings.Split(s, "-")
	if len(s) != 71 || len(groups) != 8 || s != strings.ToLower(s) {
		t.Fatalf("FormatMasterKey = %q", s)
	}
	for _, g := range groups {
		if len(g) != 8 {
			t.Fatalf("group %q in %q", g, s)
		}
	}
	if back, err := ParseMasterKey(s); err != nil || !bytes.Equal(back, k) {
		t.Fatalf("round trip: %x, %v", back, err)
	}
}

func TestWrapRoundTrip(t *testing.T) {
	kek, master := pattern(KeySize), NewMasterKey()
	blob := WrapMasterKey(master, kek)
	if WrappedKeySize != 64 || len(blob) != WrappedKeySize {
		t.Fatalf("blob is %d bytes", len(blob))
	}
	if bytes.Contains(blob, master) {
		t.Fatal("master key visible in blob")
	}
	if again := WrapMasterKey(master, kek); !independent(again[:NonceSizeGCM], blob[:NonceSizeGCM]) {
		t.Fatal("wrap nonce reused")
	}
	got, err := UnwrapMasterKey(blob, kek, true)
	if err != nil || !bytes.Equal(got, master) {
		t.Fatalf("Unwrap = %x, %v", got, err)
	}
	if _, err := UnwrapMasterKey(blob, kek, false); err != ErrWrongPassword {
		t.Fatalf("Unwrap without HKDF: %v", err)
	}
}

// TestUnwrapTamper flips each byte of the vector blob, truncates and
// extends it: every variant must fail with ErrWrongPassword.
func TestUnwrapTamper(t *testing.T) {
	kek := unhex(t, katKEK)
	blob := unhex(t, "e6c8150ef8ea0dca375daff02b7f98e0"+
		"e33cdab3de73d2e4a6d7b11a57fe8f8f331949e934f5fd53f021ac897b395d9c"+
		"a0c748b55c5750402c69a049ac298016") // known-answers.txt, vault-aesgcm
	if m, err := UnwrapMasterKey(blob, kek, true); err != nil || hex.EncodeToString(m) != katMaster {
		t.Fatalf("vector does not unwrap: %v", err)
	}
	for i := range blob {
		for _, mask := range []byte{0x01, 0x80} {
			blob[i] ^= mask
			if m, err := UnwrapMasterKey(blob, kek, true); err != ErrWrongPassword || m != nil {
				t.Fatalf("byte %d ^ %#x: %x, %v", i, mask, m, err)
			}
			blob[i] ^= mask
		}
	}
	for l := range len(blob) {
		if _, err := UnwrapMasterKey(blob[:l], kek, true); err != ErrWrongPassword {
			t.Fatalf("truncated to %d: %v", l, err)
		}
	}
	if _, err := UnwrapMasterKey(append(blob, 0), kek, true); err != ErrWrongPassword {
		t.Fatalf("extended: %v", err)
	}
}

// TestUnwrapZeroNonce seals a key under an all-zero nonce; it must be
// refused even though the tag is right (docs/format.md §2.5).
func TestUnwrapZeroNonce(t *testing.T) {
	kek, master := pattern(KeySize), pattern(KeySize)
	for _, hkdf := range []bool{true, false} {
		a := wrapAEAD(kek, hkdf)
		nonce := make([]byte, a.NonceSize())
		blob := a.Seal(nonce, nonce, master, make([]byte, 8))
		if _, err := UnwrapMasterKey(blob, kek, hkdf); err != ErrWrongPassword {
			t.Errorf("hkdf=%v: zero nonce accepted: %v", hkdf, err)
		}
		nonce[0] = 1
		blob = a.Seal(nonce, nonce, master, make([]byte, 8))
		if got, err := UnwrapMasterKey(blob, kek, hkdf); err != nil || !bytes.Equal(got, master) {
			t.Errorf("hkdf=%v: legit blob: %x, %v", hkdf, got, err)
		}
	}
}

func TestWrapPanicsOnBadMaster(t *testing.T) {
	for _, n := range []int{0, 31, 33} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("WrapMasterKey with %d-byte master did not panic", n)
				}
			}()
			WrapMasterKey(make([]byte, n), pattern(KeySize))
		}()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DeriveKeys with %d-byte master did not panic", n)
				}
			}()
			DeriveKeys(make([]byte, n), AESGCM)
		}()
	}
}

func TestKeyCheck(t *testing.T) {
	a, b := NewMasterKey(), NewMasterKey()
	ca := KeyCheck(a)
	if len(ca) != KeyCheckSize || !MatchKeyCheck(a, ca) {
		t.Fatalf("KeyCheck(a) = %x does not match a", ca)
	}
	if MatchKeyCheck(b, ca) || MatchKeyCheck(a, ca[:15]) || MatchKeyCheck(a, nil) {
		t.Error("a key check matched the wrong key or a short check")
	}
	if bytes.Equal(ca, a[:KeyCheckSize]) || bytes.Equal(ca, KeyCheck(b)) {
		t.Error("key check not derived")
	}
}
