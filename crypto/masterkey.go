package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/crypto/scrypt"
)

// Parameters of password-based key wrapping (docs/format.md §2.4, §2.5).
const (
	// SaltSize is the size of a new scrypt salt.
	SaltSize = 32
	// DefaultScryptLogN is the default scrypt cost exponent (N = 2^16).
	DefaultScryptLogN = 16
	// MinScryptLogN and MaxScryptLogN bound the cost exponent at init
	// (gocryptfs allows up to 28, which needs 256 GiB of memory).
	MinScryptLogN, MaxScryptLogN = 10, 22
	// MaxScryptMemory bounds the memory scrypt may need (128·N·r bytes),
	// so that a corrupt or hostile config fails with an error instead of
	// exhausting memory. 4 GiB allows N = 2^22 at r = 8; gocryptfs's
	// default is N = 2^16 (64 MiB).
	MaxScryptMemory = 4 << 30
	// ScryptR and ScryptP are the only r and p gocryptfs ever writes.
	// Validate refuses other values: r·p multiplies the work of every
	// unlock, and a hostile config could otherwise make it take hours.
	ScryptR, ScryptP = 8, 1
	// MaxPasswordSize is the longest accepted password, in bytes.
	MaxPasswordSize = 2048
	// WrappedKeySize is the size of a wrapped master key with HKDF.
	WrappedKeySize = NonceSizeGCM + KeySize + TagSize
)

// ErrWrongPassword is returned when a wrapped key does not authenticate:
// the password (or the config) is wrong.
var ErrWrongPassword = errors.New("crypto: wrong password")

// ScryptParams are the scrypt parameters stored in a config.
type ScryptParams struct {
	Salt   []byte
	N      int
	R      int
	P      int
	KeyLen int
}

// NewScryptParams returns fresh parameters with a random salt and N = 2^logN.
func NewScryptParams(logN int) ScryptParams {
	salt := make([]byte, SaltSize)
	rand.Read(salt)
	return ScryptParams{Salt: salt, N: 1 << logN, R: ScryptR, P: ScryptP, KeyLen: KeySize}
}

// Validate rejects parameters below the format's minimums or unusable ones.
func (p ScryptParams) Validate() error {
	switch {
	case p.N < 1<<MinScryptLogN || p.N&(p.N-1) != 0:
		return errors.New("crypto: scrypt N must be a power of two of at least 1024")
	case p.N > 1<<MaxScryptLogN:
		return errors.New("crypto: scrypt N is larger than 2^22")
	case p.R < 8 || p.P < 1 || p.R > 1<<10 || p.P > 1<<10:
		return errors.New("crypto: scrypt r or p out of range")
	case p.R != ScryptR || p.P != ScryptP:
		return fmt.Errorf("crypto: scrypt r=%d p=%d refused: gocryptfs always writes r=%d p=%d, "+
			"and larger values multiply the work of every unlock", p.R, p.P, ScryptR, ScryptP)
	case uint64(p.N)*uint64(p.R)*128 > MaxScryptMemory:
		return errors.New("crypto: scrypt parameters need more than 4 GiB of memory")
	case len(p.Salt) < SaltSize:
		return errors.New("crypto: scrypt salt shorter than 32 bytes")
	case p.KeyLen != KeySize:
		return errors.New("crypto: scrypt key length must be 32")
	}
	return nil
}

// DeriveKEK runs scrypt over the password. The result is the key-encryption
// key; the caller clears it.
func DeriveKEK(password []byte, p ScryptParams) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if len(password) == 0 || len(password) > MaxPasswordSize {
		return nil, errors.New("crypto: password must be 1..2048 bytes")
	}
	k, err := scrypt.Key(password, p.Salt, p.N, p.R, p.P, p.KeyLen)
	if err != nil {
		return nil, errors.New("crypto: scrypt: " + err.Error())
	}
	return k, nil
}

// wrapAEAD returns the AES-256-GCM codec that wraps the master key: with
// HKDF its key is derived from the KEK with the content info string and
// the nonce is 16 bytes; legacy configs use the KEK and 12-byte nonces.
func wrapAEAD(kek []byte, useHKDF bool) cipher.AEAD {
	key, ns := kek, 12
	if useHKDF {
		key, ns = hkdfKey(kek, infoGCM), NonceSizeGCM
		defer clear(key)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		panic("crypto: KEK must be 32 bytes")
	}
	a, err := cipher.NewGCMWithNonceSize(b, ns)
	if err != nil {
		panic("crypto: internal error: " + err.Error())
	}
	return a
}

// WrapMasterKey encrypts the master key under a KEK (with HKDF, as every
// new vault does) and returns the EncryptedKey blob.
func WrapMasterKey(master, kek []byte) []byte {
	if len(master) != KeySize {
		panic("crypto: master key must be 32 bytes")
	}
	a := wrapAEAD(kek, true)
	nonce := make([]byte, a.NonceSize())
	for allZero(nonce) {
		rand.Read(nonce)
	}
	return a.Seal(nonce, nonce, master, make([]byte, 8))
}

// UnwrapMasterKey decrypts an EncryptedKey blob. It returns
// ErrWrongPassword if it does not authenticate.
func UnwrapMasterKey(blob, kek []byte, useHKDF bool) ([]byte, error) {
	a := wrapAEAD(kek, useHKDF)
	ns := a.NonceSize()
	if len(blob) != ns+KeySize+TagSize || allZero(blob[:ns]) {
		return nil, ErrWrongPassword
	}
	m, err := a.Open(nil, blob[:ns], blob[ns:], make([]byte, 8))
	if err != nil {
		return nil, ErrWrongPassword
	}
	return m, nil
}

// NewMasterKey returns 32 fresh random bytes.
func NewMasterKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k)
	return k
}

// FormatMasterKey renders a master key as 64 lowercase hex digits in 8
// dash-separated groups of 8, the recovery-key form.
func FormatMasterKey(key []byte) string {
	b := AppendMasterKey(nil, key)
	defer clear(b)
	return string(b)
}

// AppendMasterKey appends the recovery-key form of key to dst (no string
// copy is made, so the caller can wipe the result).
func AppendMasterKey(dst, key []byte) []byte {
	const digits = "0123456789abcdef"
	for i, x := range key {
		if i > 0 && i%4 == 0 {
			dst = append(dst, '-')
		}
		dst = append(dst, digits[x>>4], digits[x&0xf])
	}
	return dst
}

// ParseMasterKey reads a recovery key: 64 hex digits in either case, with
// dashes and white space ignored.
func ParseMasterKey(s string) ([]byte, error) {
	return ParseMasterKeyBytes([]byte(s))
}

// ParseMasterKeyBytes is ParseMasterKey for a byte slice; it makes no
// copy of the key text that it does not wipe.
func ParseMasterKeyBytes(s []byte) ([]byte, error) {
	digits := make([]byte, 0, 2*KeySize)
	defer func() { clear(digits[:cap(digits)]) }()
	for _, c := range s {
		switch c {
		case '-', ' ', '\t', '\n', '\r':
			continue
		}
		if len(digits) == cap(digits) {
			return nil, errors.New("crypto: a master key is 64 hex digits")
		}
		digits = append(digits, c)
	}
	k := make([]byte, KeySize)
	if n, err := hex.Decode(k, digits); err != nil || n != KeySize {
		clear(k)
		return nil, errors.New("crypto: a master key is 64 hex digits")
	}
	return k, nil
}
