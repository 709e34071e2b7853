package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// Sizes of the content format (docs/format.md §4).
const (
	// BlockSize is the number of plaintext bytes in a full content block.
	BlockSize = 4096
	// TagSize is the AEAD tag size of both content algorithms.
	TagSize = 16
	// NonceSizeGCM is the nonce size of AES-256-GCM content blocks (GCMIV128).
	NonceSizeGCM = 16
	// NonceSizeXChaCha is the nonce size of XChaCha20-Poly1305 content blocks.
	NonceSizeXChaCha = chacha20poly1305.NonceSizeX
)

// ErrAuth is returned for every ciphertext that does not authenticate: a
// wrong key, a flipped bit, a truncated block, a block moved to another file
// or offset. It deliberately says nothing more.
var ErrAuth = errors.New("crypto: message authentication failed")

// ContentCipher seals and opens content blocks, symlink targets and xattr
// values. It is safe for concurrent use.
type ContentCipher struct {
	aead cipher.AEAD
	alg  Algorithm
}

// NewContentCipher returns the block codec for alg under a 32-byte key.
func NewContentCipher(alg Algorithm, key []byte) (*ContentCipher, error) {
	if len(key) != KeySize {
		return nil, errors.New("crypto: content key must be 32 bytes")
	}
	var aead cipher.AEAD
	var err error
	switch alg {
	case AESGCM:
		var b cipher.Block
		if b, err = aes.NewCipher(key); err == nil {
			aead, err = cipher.NewGCMWithNonceSize(b, NonceSizeGCM)
		}
	case XChaCha20Poly1305:
		aead, err = chacha20poly1305.NewX(key)
	default:
		return nil, errors.New("crypto: unknown content algorithm")
	}
	if err != nil {
		return nil, errors.New("crypto: " + err.Error())
	}
	return &ContentCipher{aead: aead, alg: alg}, nil
}

// Algorithm returns the codec's content algorithm.
func (c *ContentCipher) Algorithm() Algorithm { return c.alg }

// NonceSize returns the nonce size stored in front of each block.
func (c *ContentCipher) NonceSize() int { return c.aead.NonceSize() }

// Overhead returns the bytes a block adds to its plaintext: nonce plus tag.
func (c *ContentCipher) Overhead() int { return c.aead.NonceSize() + TagSize }

// CipherBlockSize returns the size of a full ciphertext block.
func (c *ContentCipher) CipherBlockSize() int { return BlockSize + c.Overhead() }

// blockAAD returns BE64(blockNo) || fileID.
func blockAAD(blockNo uint64, fileID []byte) []byte {
	ad := make([]byte, 8, 8+len(fileID))
	binary.BigEndian.PutUint64(ad, blockNo)
	return append(ad, fileID...)
}

// SealBlock encrypts plain (at most BlockSize bytes for file content) as
// block blockNo of the file fileID with a fresh random nonce and appends
// nonce || ciphertext || tag to dst. Symlink targets and xattr values use
// blockNo 0 and a nil fileID.
func (c *ContentCipher) SealBlock(dst, plain []byte, blockNo uint64, fileID []byte) []byte {
	ns := c.NonceSize()
	start := len(dst)
	dst = append(dst, make([]byte, ns)...)
	nonce := dst[start : start+ns]
	rand.Read(nonce) // never fails (crypto/rand contract since Go 1.24)
	return c.aead.Seal(dst, nonce, plain, blockAAD(blockNo, fileID))
}

// OpenBlock decrypts one stored block and appends the plaintext to dst.
// A full-size block of zeros is a hole and opens to BlockSize zeros without
// authentication (docs/format.md §4.5). Anything that does not authenticate, including
// an all-zero nonce, returns ErrAuth.
func (c *ContentCipher) OpenBlock(dst, block []byte, blockNo uint64, fileID []byte) ([]byte, error) {
	ns := c.NonceSize()
	if len(block) == c.CipherBlockSize() && allZero(block) {
		return append(dst, make([]byte, BlockSize)...), nil
	}
	if len(block) < ns+TagSize || allZero(block[:ns]) {
		return dst, ErrAuth
	}
	out, err := c.aead.Open(dst, block[:ns], block[ns:], blockAAD(blockNo, fileID))
	if err != nil {
		return dst, ErrAuth
	}
	return out, nil
}

// OpenValue decrypts a sealed symlink target or xattr value (block 0,
// no file ID). Unlike OpenBlock it knows no holes: a run of zeros is
// rejected like any other forgery.
func (c *ContentCipher) OpenValue(dst, sealed []byte) ([]byte, error) {
	if allZero(sealed) {
		return dst, ErrAuth
	}
	return c.OpenBlock(dst, sealed, 0, nil)
}

// IsHole reports whether a stored block is a hole: a full block of zeros.
func (c *ContentCipher) IsHole(block []byte) bool {
	return len(block) == c.CipherBlockSize() && allZero(block)
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
