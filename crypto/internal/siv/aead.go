package siv

import "crypto/cipher"

// NonceSize is the nonce size of the AEAD returned by NewAEAD.
const NonceSize = 16

// aead adapts SIV to cipher.AEAD the way the gocryptfs format uses it:
// the S2V vector is (additional data, nonce, plaintext).
type aead struct{ s *SIV }

// NewAEAD returns AES-SIV as a cipher.AEAD with 16-byte nonces whose
// Seal output is V || C.
func NewAEAD(key []byte) (cipher.AEAD, error) {
	s, err := New(key)
	if err != nil {
		return nil, err
	}
	return aead{s}, nil
}

func (a aead) NonceSize() int { return NonceSize }
func (a aead) Overhead() int  { return TagSize }

func (a aead) Seal(dst, nonce, plain, ad []byte) []byte {
	if len(nonce) != NonceSize {
		panic("siv: bad nonce length")
	}
	return a.s.Seal(dst, plain, ad, nonce)
}

func (a aead) Open(dst, nonce, sealed, ad []byte) ([]byte, error) {
	if len(nonce) != NonceSize {
		return dst, ErrAuth
	}
	return a.s.Open(dst, sealed, ad, nonce)
}
