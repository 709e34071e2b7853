package eme

import (
	"bytes"
	"crypto/aes"
	"crypto/des"
	"testing"
)

// TestDbl checks the little-endian doubling of docs/format.md §5.3 byte by byte.
func TestDbl(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"01000000000000000000000000000000", "02000000000000000000000000000000"},
		{"80000000000000000000000000000000", "00010000000000000000000000000000"},
		{"00000000000000000000000000000080", "87000000000000000000000000000000"},
		{"000000000000000000000000000000c0", "87000000000000000000000000000080"},
		{"ff00000000000000000000000000ff80", "7901000000000000000000000000fe01"},
	} {
		var b [BlockSize]byte
		copy(b[:], unhex(t, c.in))
		dbl(&b)
		if got := b[:]; !bytes.Equal(got, unhex(t, c.out)) {
			t.Errorf("dbl(%s) = %x, want %s", c.in, got, c.out)
		}
	}
}

// TestDiffusion flips one input bit, or one tweak bit, and expects every
// 16-byte output block to change: EME has no prefix or suffix leaks.
func TestDiffusion(t *testing.T) {
	b, _ := aes.NewCipher(seq(32))
	e := New(b)
	for _, m := range []int{1, 2, 3, 16} {
		in := seq(m * BlockSize)
		ref := e.Encrypt(seq(16), in)
		for _, pos := range []int{0, len(in) / 2, len(in) - 1} {
			in[pos] ^= 0x10
			got := e.Encrypt(seq(16), in)
			in[pos] ^= 0x10
			for j := 0; j < m; j++ {
				if bytes.Equal(got[j*16:(j+1)*16], ref[j*16:(j+1)*16]) {
					t.Errorf("m=%d: flipping input byte %d left block %d unchanged", m, pos, j)
				}
			}
		}
		tw := seq(16)
		tw[15] ^= 1
		got := e.Encrypt(tw, in)
		for j := 0; j < m; j++ {
			if bytes.Equal(got[j*16:(j+1)*16], ref[j*16:(j+1)*16]) {
				t.Errorf("m=%d: other tweak left block %d unchanged", m, j)
			}
		}
		// Decrypting under the wrong tweak does not give the input back.
		if bytes.Equal(e.Decrypt(tw, ref), in) {
			t.Errorf("m=%d: decrypted under the wrong tweak", m)
		}
	}
}

func TestInputsUntouched(t *testing.T) {
	b, _ := aes.NewCipher(seq(32))
	e := New(b)
	in, tw := seq(64), seq(16)
	out := e.Encrypt(tw, in)
	if !bytes.Equal(in, seq(64)) || !bytes.Equal(tw, seq(16)) {
		t.Fatal("Encrypt modified its inputs")
	}
	e.Decrypt(tw, out)
	if bytes.Equal(out, seq(64)) || !bytes.Equal(tw, seq(16)) {
		t.Fatal("Decrypt modified its inputs")
	}
}

func TestPanics(t *testing.T) {
	b, _ := aes.NewCipher(seq(32))
	e := New(b)
	for name, f := range map[string]func(){
		"3DES block":     func() { d, _ := des.NewTripleDESCipher(seq(24)); New(d) },
		"short tweak":    func() { e.Encrypt(seq(15), seq(16)) },
		"long tweak":     func() { e.Decrypt(seq(17), seq(16)) },
		"decrypt empty":  func() { e.Decrypt(seq(16), nil) },
		"decrypt 129 bl": func() { e.Decrypt(seq(16), seq(16*129)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
