package siv

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCMAC checks CMAC against RFC 4493 §4 (AES-128).
func TestCMAC(t *testing.T) {
	s, err := New(unhex(t, "2b7e151628aed2a6abf7158809cf4f3c 2b7e151628aed2a6abf7158809cf4f3c"))
	if err != nil {
		t.Fatal(err)
	}
	msg := unhex(t, "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710")
	for _, c := range []struct {
		n    int
		want string
	}{{0, "bb1d6929e95937287fa37d129b756746"}, {16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{40, "dfa66747de9ae63030ca32611497c827"}, {64, "51f0bebf7e3b9d92fc49741779363cfe"}} {
		got := s.mac.sum(msg[:c.n])
		if hex.EncodeToString(got[:]) != c.want {
			t.Errorf("CMAC(%d bytes) = %x, want %s", c.n, got, c.want)
		}
	}
}

// TestRFC5297 checks the appendix A vectors of RFC 5297.
func TestRFC5297(t *testing.T) {
	cases := []struct {
		name, key, plain, out string
		ad                    []string
	}{{
		name:  "A.1 deterministic",
		key:   "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
		ad:    []string{"101112131415161718191a1b1c1d1e1f2021222324252627"},
		plain: "112233445566778899aabbccddee",
		out:   "85632d07c6e8f37f950acd320a2ecc93 40c02b9690c4dc04daef7f6afe5c",
	}, {
		name: "A.2 nonce-based",
		key:  "7f7e7d7c7b7a79787776757473727170 404142434445464748494a4b4c4d4e4f",
		ad: []string{"00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100",
			"102030405060708090a0", "09f911029d74e35bd84156c5635688c0"},
		plain: "7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553",
		out: "7bdb6e3b432667eb06f4d14bff2fbd0f cb900f2fddbe404326601965c889bf17 dba77ceb094fa663b7a3f748ba8af829" +
			" ea64ad544a272e9c485b62a3fd5c0d",
	}}
	for _, c := range cases {
		s, err := New(unhex(t, c.key))
		if err != nil {
			t.Fatal(err)
		}
		var ad [][]byte
		for _, a := range c.ad {
			ad = append(ad, unhex(t, a))
		}
		plain, want := unhex(t, c.plain), unhex(t, c.out)
		got := s.Seal(nil, plain, ad...)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Seal = %x, want %x", c.name, got, want)
		}
		back, err := s.Open(nil, want, ad...)
		if err != nil || !bytes.Equal(back, plain) {
			t.Errorf("%s: Open = %x, %v", c.name, back, err)
		}
		bad := bytes.Clone(want)
		bad[len(bad)-1] ^= 1
		if _, err := s.Open(nil, bad, ad...); err != ErrAuth {
			t.Errorf("%s: flipped bit: err = %v, want ErrAuth", c.name, err)
		}
	}
}

// TestShortAndEmpty covers plaintexts shorter than a block, the padded
// S2V branch, and the empty plaintext.
func TestShortAndEmpty(t *testing.T) {
	s, err := New(bytes.Repeat([]byte{7}, 64))
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n <= 40; n++ {
		p := bytes.Repeat([]byte{byte(n)}, n)
		c := s.Seal(nil, p, []byte("ad"), []byte("nonce-0123456789"))
		if len(c) != n+TagSize {
			t.Fatalf("len %d: sealed %d bytes", n, len(c))
		}
		back, err := s.Open(nil, c, []byte("ad"), []byte("nonce-0123456789"))
		if err != nil || !bytes.Equal(back, p) {
			t.Fatalf("len %d: Open = %x, %v", n, back, err)
		}
		if _, err := s.Open(nil, c, []byte("ad"), []byte("nonce-0123456788")); err != ErrAuth {
			t.Fatalf("len %d: other nonce opened: %v", n, err)
		}
	}
	if _, err := New(make([]byte, 31)); err == nil {
		t.Error("31-byte key accepted")
	}
}
