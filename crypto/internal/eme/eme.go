package eme

import (
	"crypto/cipher"
	"crypto/subtle"
)

// BlockSize is the only cipher block size EME supports, in bytes.
const BlockSize = 16

// MaxBlocks is the largest number of 16-byte blocks one call may transform.
const MaxBlocks = 128

// Cipher is EME over one block cipher. It is safe for concurrent use when
// the underlying block cipher is (AES from the standard library is).
type Cipher struct {
	b  cipher.Block
	l0 [BlockSize]byte // AES-Enc(K, 0^128), the start of the mask table
}

// New returns EME over b. It panics if b's block size is not 16 bytes.
func New(b cipher.Block) *Cipher {
	if b.BlockSize() != BlockSize {
		panic("eme: block size must be 16 bytes")
	}
	c := &Cipher{b: b}
	var zero [BlockSize]byte
	b.Encrypt(c.l0[:], zero[:])
	return c
}

// Encrypt enciphers src under tweak and returns a new slice of the same
// length. It panics (a caller bug) if the tweak is not 16 bytes or src is
// not 1..128 whole blocks.
func (c *Cipher) Encrypt(tweak, src []byte) []byte {
	return c.transform(tweak, src, c.b.Encrypt)
}

// Decrypt reverses Encrypt. Its panics are the same as Encrypt's.
func (c *Cipher) Decrypt(tweak, src []byte) []byte {
	return c.transform(tweak, src, c.b.Decrypt)
}

// dbl multiplies a block by x in GF(2^128), reading it as a little-endian
// integer: byte 0 is least significant.
func dbl(b *[BlockSize]byte) {
	carry := b[15] >> 7
	for j := 15; j > 0; j-- {
		b[j] = b[j]<<1 | b[j-1]>>7
	}
	b[0] = b[0]<<1 ^ 0x87*carry
}

func (c *Cipher) transform(tweak, src []byte, fn func(dst, src []byte)) []byte {
	if len(tweak) != BlockSize {
		panic("eme: tweak must be 16 bytes")
	}
	m := len(src) / BlockSize
	if len(src)%BlockSize != 0 || m == 0 || m > MaxBlocks {
		panic("eme: input must be 1..128 whole 16-byte blocks")
	}
	masks := make([][BlockSize]byte, m)
	l := c.l0
	for j := range masks {
		dbl(&l)
		masks[j] = l
	}
	dst := make([]byte, len(src))
	var mp [BlockSize]byte
	copy(mp[:], tweak)
	for j := 0; j < m; j++ {
		blk := dst[j*BlockSize : (j+1)*BlockSize]
		subtle.XORBytes(blk, src[j*BlockSize:(j+1)*BlockSize], masks[j][:])
		fn(blk, blk)
		subtle.XORBytes(mp[:], mp[:], blk)
	}
	var mc [BlockSize]byte
	fn(mc[:], mp[:])
	var mm [BlockSize]byte
	subtle.XORBytes(mm[:], mp[:], mc[:])
	var first [BlockSize]byte
	subtle.XORBytes(first[:], mc[:], tweak)
	for j := 1; j < m; j++ {
		dbl(&mm)
		blk := dst[j*BlockSize : (j+1)*BlockSize]
		subtle.XORBytes(blk, blk, mm[:])
		subtle.XORBytes(first[:], first[:], blk)
	}
	copy(dst[:BlockSize], first[:])
	for j := 0; j < m; j++ {
		blk := dst[j*BlockSize : (j+1)*BlockSize]
		fn(blk, blk)
		subtle.XORBytes(blk, blk, masks[j][:])
	}
	return dst
}
