package crypto

import (
	"encoding/hex"
	"testing"
)

// TestPathIV checks the reverse-mode known answers of the shared vectors
// (known-answers.txt and the 10000.bin entry of the reverse example).
func TestPathIV(t *testing.T) {
	for _, c := range []struct{ path, purpose, want string }{
		{"", PurposeDirIV, "a8f7bac432ddc1cb3dc74e684d6ae48b"},
		{"abc", PurposeFileID, "a73cfcbf288db11109a5406ded102a62"},
		{"abc", PurposeBlock0IV, "6fcb1abe38d9b3de19ae9a4f56ca5a55"},
		{"l-B2hXXmPaWgiPWdGoqYpw", PurposeFileID, "8bcd85bcfaadf5814dafaf9f63fce0d4"},
		{"l-B2hXXmPaWgiPWdGoqYpw", PurposeBlock0IV, "6928828925dc7c70823b35b8c2db5048"},
	} {
		if got := hex.EncodeToString(PathIV(c.path, c.purpose)); got != c.want {
			t.Errorf("PathIV(%q, %s) = %s, want %s", c.path, c.purpose, got, c.want)
		}
	}
}

func TestBlockNonce(t *testing.T) {
	b0, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	if got := hex.EncodeToString(BlockNonce(b0, 0x11)); got != "00112233445566778899aabbccddef10" {
		t.Errorf("n=0x11: %s", got)
	}
	wrap, _ := hex.DecodeString("0011223344556677ffffffffffffffff")
	if got := hex.EncodeToString(BlockNonce(wrap, 2)); got != "00112233445566770000000000000001" {
		t.Errorf("wrap: %s", got)
	}
	if b0[15] != 0xff {
		t.Error("BlockNonce changed its input")
	}
}
