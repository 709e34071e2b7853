package crypto

import (
	"crypto/rand"
	"encoding/hex"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// HKDF info strings of cofferfs's own vault manifest. They are not part
// of the gocryptfs format, so gocryptfs never derives these keys.
const (
	infoSeal    = "cofferfs vault manifest v1"
	infoVaultID = "cofferfs vault id v1"
)

// sealMagic starts every sealed manifest (and is authenticated with it).
var sealMagic = []byte("cofferfs-seal-1\n")

// ErrSealAuth is returned for a sealed manifest that does not
// authenticate: damaged, forged, or sealed under another master key.
var ErrSealAuth = errors.New("crypto: manifest does not authenticate")

// SealKeys are the keys of a vault's manifests, derived from the master
// key. Call Wipe when done.
type SealKeys struct {
	// Key is the XChaCha20-Poly1305 key manifests are sealed with.
	Key []byte
	// VaultID names the vault without revealing anything about its key:
	// machines key their local state by it.
	VaultID string
}

// DeriveSealKeys derives the manifest key and the vault ID from a 32-byte
// master key with HKDF-SHA256 and cofferfs's own info strings. It panics
// if master is not KeySize bytes.
func DeriveSealKeys(master []byte) *SealKeys {
	if len(master) != KeySize {
		panic("crypto: master key must be 32 bytes")
	}
	id := hkdfKey(master, infoVaultID)
	defer clear(id)
	return &SealKeys{Key: hkdfKey(master, infoSeal), VaultID: hex.EncodeToString(id[:16])}
}

// Wipe overwrites the manifest key with zeros.
func (k *SealKeys) Wipe() { clear(k.Key) }

// Seal encrypts and authenticates a manifest: magic, a random 24-byte
// nonce, then the XChaCha20-Poly1305 ciphertext with the magic as
// associated data.
func (k *SealKeys) Seal(plain []byte) []byte {
	aead, err := chacha20poly1305.NewX(k.Key)
	if err != nil {
		panic("crypto: internal error: " + err.Error())
	}
	out := make([]byte, len(sealMagic)+aead.NonceSize(), len(sealMagic)+aead.NonceSize()+len(plain)+aead.Overhead())
	copy(out, sealMagic)
	if _, err := rand.Read(out[len(sealMagic):]); err != nil {
		panic("crypto: no randomness: " + err.Error())
	}
	return aead.Seal(out, out[len(sealMagic):], plain, sealMagic)
}

// Open authenticates and decrypts a manifest sealed by Seal. Anything
// else, including a manifest of another vault, is ErrSealAuth.
func (k *SealKeys) Open(sealed []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(k.Key)
	if err != nil {
		return nil, ErrSealAuth
	}
	n := len(sealMagic) + aead.NonceSize()
	if len(sealed) < n+aead.Overhead() || string(sealed[:len(sealMagic)]) != string(sealMagic) {
		return nil, ErrSealAuth
	}
	plain, err := aead.Open(nil, sealed[len(sealMagic):n], sealed[n:], sealMagic)
	if err != nil {
		return nil, ErrSealAuth
	}
	return plain, nil
}
