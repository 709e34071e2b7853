package eme

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"testing"
)

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Known answers from testdata/gocryptfs-v2/known-answers.txt.
func TestKnownAnswers(t *testing.T) {
	cases := []struct {
		key, tweak, in []byte
		out            string
	}{
		{make([]byte, 32), make([]byte, 16), make([]byte, 16), "f1b9ce8ca15a4ba9fb476905434b9fd3"},
		{seq(32), seq(16), []byte("hello.txt\x07\x07\x07\x07\x07\x07\x07"), "f2fb7a7d64c3e3a91cadd65c826efa26"},
		{seq(32), seq(16), seq(48), "bfbaec19a085b6135de91d7ab72da2580ae0c9f078979fef9c9cce7e05cf6e43a056e605a6a03024422d5286fba45ba6"},
	}
	for i, c := range cases {
		b, err := aes.NewCipher(c.key)
		if err != nil {
			t.Fatal(err)
		}
		e := New(b)
		got := e.Encrypt(c.tweak, c.in)
		if want := unhex(t, c.out); !bytes.Equal(got, want) {
			t.Errorf("case %d: Encrypt = %x, want %x", i, got, want)
		}
		if back := e.Decrypt(c.tweak, got); !bytes.Equal(back, c.in) {
			t.Errorf("case %d: Decrypt = %x, want %x", i, back, c.in)
		}
	}
}

func TestRoundTripAllLengths(t *testing.T) {
	b, _ := aes.NewCipher(seq(32))
	e := New(b)
	for m := 1; m <= MaxBlocks; m++ {
		in := seq(m * 16)
		ct := e.Encrypt(seq(16), in)
		if bytes.Equal(ct, in) {
			t.Fatalf("m=%d: ciphertext equals plaintext", m)
		}
		if back := e.Decrypt(seq(16), ct); !bytes.Equal(back, in) {
			t.Fatalf("m=%d: round trip failed", m)
		}
	}
}

func TestPanicsOnBadInput(t *testing.T) {
	b, _ := aes.NewCipher(seq(32))
	e := New(b)
	for _, in := range [][]byte{nil, seq(15), seq(17), seq(16 * 129)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("len %d: no panic", len(in))
				}
			}()
			e.Encrypt(seq(16), in)
		}()
	}
}

func BenchmarkEncrypt64(b *testing.B) {
	c, _ := aes.NewCipher(seq(32))
	e := New(c)
	in := seq(64)
	b.SetBytes(64)
	b.ReportAllocs()
	for b.Loop() {
		e.Encrypt(seq(16), in)
	}
}
