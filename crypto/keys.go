package crypto

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
)

// KeySize is the size of the master key and of every derived subkey, in bytes.
const KeySize = 32

// HKDF info strings of the gocryptfs format (docs/format.md §3.1).
const (
	infoEME     = "EME filename encryption"
	infoGCM     = "AES-GCM file content encryption"
	infoXChaCha = "XChaCha20-Poly1305 file content encryption"
)

// Algorithm is a file-content AEAD.
type Algorithm int

// The content algorithms cofferfs reads and writes.
const (
	AESGCM            Algorithm = iota // AES-256-GCM with 128-bit nonces (GCMIV128)
	XChaCha20Poly1305                  // XChaCha20-Poly1305 with 192-bit nonces
)

// String returns the algorithm's name as shown to users.
func (a Algorithm) String() string {
	switch a {
	case AESGCM:
		return "AES-256-GCM"
	case XChaCha20Poly1305:
		return "XChaCha20-Poly1305"
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// Keys holds the subkeys derived from a master key. Call Wipe when done.
type Keys struct {
	// Name is the AES-256 key for EME name encryption.
	Name []byte
	// Content is the AEAD key for file contents, symlinks and xattr values.
	Content []byte
	// Algorithm is the content algorithm Content is meant for.
	Algorithm Algorithm
}

// DeriveKeys derives the name and content keys from a 32-byte master key
// with HKDF-SHA256, an empty salt and the gocryptfs info strings. The caller
// keeps ownership of master and should clear it when it is no longer needed.
// It panics if master is not KeySize bytes.
func DeriveKeys(master []byte, alg Algorithm) *Keys {
	if len(master) != KeySize {
		panic("crypto: master key must be 32 bytes")
	}
	info := infoGCM
	if alg == XChaCha20Poly1305 {
		info = infoXChaCha
	}
	return &Keys{
		Name:      hkdfKey(master, infoEME),
		Content:   hkdfKey(master, info),
		Algorithm: alg,
	}
}

// Wipe overwrites the keys with zeros.
func (k *Keys) Wipe() {
	clear(k.Name)
	clear(k.Content)
}

// hkdfKey derives a subkey with HKDF-SHA256 (no salt). The secret (a
// master key or KEK) passes through a hash's block buffer, which is
// overwritten afterwards so that no copy of it stays behind in memory.
func hkdfKey(secret []byte, info string) []byte {
	ext := hmac.New(sha256.New, make([]byte, sha256.Size))
	ext.Write(secret)
	prk := ext.Sum(nil)
	defer clear(prk)
	scrub(ext)
	exp := hmac.New(sha256.New, prk)
	exp.Write([]byte(info))
	exp.Write([]byte{1})
	k := exp.Sum(nil)
	scrub(exp)
	return k[:KeySize]
}

// scrub overwrites the partial-block buffer of a used hash, where the
// last bytes written to it (a secret) would otherwise stay.
func scrub(h hash.Hash) {
	h.Reset()
	h.Write(make([]byte, h.BlockSize()-1))
}
