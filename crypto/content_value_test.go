package crypto

import (
	"bytes"
	"testing"
)

// A zero run the size of a full block is a hole in file content, but
// never a valid symlink target or xattr value.
func TestOpenValueRejectsZeros(t *testing.T) {
	for _, alg := range []Algorithm{AESGCM, XChaCha20Poly1305} {
		c, err := NewContentCipher(alg, make([]byte, KeySize))
		if err != nil {
			t.Fatal(err)
		}
		zeros := make([]byte, c.CipherBlockSize())
		if _, err := c.OpenBlock(nil, zeros, 0, nil); err != nil {
			t.Fatalf("%v: a zero block is a hole for OpenBlock: %v", alg, err)
		}
		if _, err := c.OpenValue(nil, zeros); err != ErrAuth {
			t.Errorf("%v: OpenValue(zeros) = %v, want ErrAuth", alg, err)
		}
		sealed := c.SealBlock(nil, []byte("target"), 0, nil)
		if got, err := c.OpenValue(nil, sealed); err != nil || !bytes.Equal(got, []byte("target")) {
			t.Errorf("%v: OpenValue = %q, %v", alg, got, err)
		}
	}
}

func TestScryptMemoryCap(t *testing.T) {
	p := NewScryptParams(10)
	p.N = 1 << MaxScryptLogN // 128 * 2^22 * 8 = 4 GiB: the cap itself
	if err := p.Validate(); err != nil {
		t.Fatalf("4 GiB rejected: %v", err)
	}
	p.N, p.R = 1<<22, 16 // 8 GiB
	if err := p.Validate(); err == nil {
		t.Fatal("8 GiB of scrypt memory accepted")
	}
	p.N, p.R = 1<<10, 1<<29
	if err := p.Validate(); err == nil {
		t.Fatal("r = 2^29 accepted")
	}
}
