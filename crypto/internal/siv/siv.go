// Package siv implements AES-SIV (RFC 5297): deterministic authenticated
// encryption built from S2V (CMAC-AES over a vector of strings) and
// AES-CTR. It is written from the RFC; the tests check its appendix A
// vectors.
//
// The key is two AES keys of equal size: the first half keys S2V, the
// second half keys CTR (32, 48 or 64 bytes in all). The output of Seal is
// V || C, the 16-byte synthetic IV in front of the ciphertext.
package siv

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
)

// TagSize is the size of the synthetic IV V.
const TagSize = aes.BlockSize

// ErrAuth is returned by Open for input that does not authenticate.
var ErrAuth = errors.New("siv: message authentication failed")

// SIV is an AES-SIV instance. It is safe for concurrent use.
type SIV struct {
	mac cmac
	ctr cipher.Block
}

// New returns AES-SIV keyed with key (32, 48 or 64 bytes).
func New(key []byte) (*SIV, error) {
	if len(key) != 32 && len(key) != 48 && len(key) != 64 {
		return nil, errors.New("siv: key must be 32, 48 or 64 bytes")
	}
	h := len(key) / 2
	m, err := aes.NewCipher(key[:h])
	if err != nil {
		return nil, err
	}
	c, err := aes.NewCipher(key[h:])
	if err != nil {
		return nil, err
	}
	return &SIV{mac: newCMAC(m), ctr: c}, nil
}

// Seal encrypts plain under the associated data components ad (in order;
// a nonce, if any, is the last of them) and appends V || C to dst.
func (s *SIV) Seal(dst, plain []byte, ad ...[]byte) []byte {
	v := s.s2v(plain, ad)
	dst = append(dst, v[:]...)
	start := len(dst)
	dst = append(dst, plain...)
	s.xorCTR(dst[start:], v)
	return dst
}

// Open checks and decrypts V || C under ad and appends the plaintext to
// dst. On failure it returns ErrAuth and dst unchanged.
func (s *SIV) Open(dst, sealed []byte, ad ...[]byte) ([]byte, error) {
	if len(sealed) < TagSize {
		return dst, ErrAuth
	}
	var v [TagSize]byte
	copy(v[:], sealed)
	start := len(dst)
	out := append(dst, sealed[TagSize:]...)
	s.xorCTR(out[start:], v)
	want := s.s2v(out[start:], ad)
	if subtle.ConstantTimeCompare(want[:], v[:]) != 1 {
		clear(out[start:])
		return dst, ErrAuth
	}
	return out, nil
}

// s2v is S2V of RFC 5297 §2.4 over ad..., plain (plain is the last string).
func (s *SIV) s2v(plain []byte, ad [][]byte) [TagSize]byte {
	var zero [TagSize]byte
	d := s.mac.sum(zero[:])
	for _, a := range ad {
		t := s.mac.sum(a)
		d = dbl(d)
		subtle.XORBytes(d[:], d[:], t[:])
	}
	if len(plain) >= TagSize {
		buf := make([]byte, len(plain))
		copy(buf, plain)
		tail := buf[len(buf)-TagSize:]
		subtle.XORBytes(tail, tail, d[:])
		return s.mac.sum(buf)
	}
	d = dbl(d)
	var t [TagSize]byte
	copy(t[:], plain)
	t[len(plain)] = 0x80
	subtle.XORBytes(d[:], d[:], t[:])
	return s.mac.sum(d[:])
}

// xorCTR applies AES-CTR with the counter Q = V with bits 63 and 31
// (counting from the right) cleared.
func (s *SIV) xorCTR(b []byte, v [TagSize]byte) {
	v[8] &= 0x7f
	v[12] &= 0x7f
	cipher.NewCTR(s.ctr, v[:]).XORKeyStream(b, b)
}
