package siv

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
)

// cmac is CMAC (NIST SP 800-38B, RFC 4493) over one AES key.
type cmac struct {
	b      cipher.Block
	k1, k2 [aes.BlockSize]byte
}

func newCMAC(b cipher.Block) cmac {
	var l [aes.BlockSize]byte
	b.Encrypt(l[:], l[:])
	k1 := dbl(l)
	return cmac{b: b, k1: k1, k2: dbl(k1)}
}

// sum returns the CMAC of msg.
func (c *cmac) sum(msg []byte) [aes.BlockSize]byte {
	var x [aes.BlockSize]byte
	for len(msg) > aes.BlockSize {
		subtle.XORBytes(x[:], x[:], msg[:aes.BlockSize])
		c.b.Encrypt(x[:], x[:])
		msg = msg[aes.BlockSize:]
	}
	var last [aes.BlockSize]byte
	copy(last[:], msg)
	if len(msg) == aes.BlockSize {
		subtle.XORBytes(last[:], last[:], c.k1[:])
	} else {
		last[len(msg)] = 0x80
		subtle.XORBytes(last[:], last[:], c.k2[:])
	}
	subtle.XORBytes(x[:], x[:], last[:])
	c.b.Encrypt(x[:], x[:])
	return x
}

// dbl is doubling in GF(2^128) with the big-endian convention of CMAC.
func dbl(in [aes.BlockSize]byte) [aes.BlockSize]byte {
	var out [aes.BlockSize]byte
	carry := in[0] >> 7
	for i := 0; i < aes.BlockSize-1; i++ {
		out[i] = in[i]<<1 | in[i+1]>>7
	}
	out[aes.BlockSize-1] = in[aes.BlockSize-1]<<1 ^ carry*0x87
	return out
}
