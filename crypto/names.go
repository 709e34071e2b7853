package crypto

import (
	"crypto/aes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/cofferfs/cofferfs/crypto/internal/eme"
)

// Name limits and special names (docs/format.md §5).
const (
	// NameMax is the longest plaintext name, in bytes.
	NameMax = 255
	// DirIVSize is the size of a directory IV (the EME tweak).
	DirIVSize = 16
	// DefaultLongNameMax is the default length above which an encrypted
	// name is stored as a hashed long name.
	DefaultLongNameMax = 255
	// MinLongNameMax is the smallest allowed long-name threshold.
	MinLongNameMax = 62
	// LongNamePrefix starts every hashed long name.
	LongNamePrefix = "gocryptfs.longname."
	// LongNameSuffix ends the side file that holds a long name.
	LongNameSuffix = ".name"
	// MaxLongNameFile is the largest valid .name side file: the padded
	// base64 length of 256 bytes.
	MaxLongNameFile = 344
	// DirIVName is the file that holds a directory's IV.
	DirIVName = "gocryptfs.diriv"
	// ConfigName is the config file in the cipherdir root.
	ConfigName = "gocryptfs.conf"
)

// xattrTweak is the fixed EME tweak for xattr names.
var xattrTweak = []byte("xattr_name_iv_xx")

// XattrPrefix starts every encrypted xattr name on the backing files.
const XattrPrefix = "user.gocryptfs."

// Errors of name encryption.
var (
	// ErrBadName is returned for a stored name that does not decrypt to
	// a valid plaintext name.
	ErrBadName = errors.New("crypto: name does not decrypt")
	// ErrInvalidName is returned for a plaintext name that cannot be
	// stored: empty, ".", "..", or containing '/' or NUL.
	ErrInvalidName = errors.New("crypto: invalid file name")
	// ErrNameTooLong is returned for a plaintext name over NameMax bytes.
	ErrNameTooLong = errors.New("crypto: file name too long")
)

// NameCipher encrypts names with EME under per-directory IVs. It is safe
// for concurrent use.
type NameCipher struct {
	eme *eme.Cipher
	enc *base64.Encoding
}

// NewNameCipher returns a name codec for a 32-byte EME key. raw64 selects
// unpadded base64url (the Raw64 flag); otherwise names are padded.
func NewNameCipher(key []byte, raw64 bool) (*NameCipher, error) {
	if len(key) != KeySize {
		return nil, errors.New("crypto: EME key must be 32 bytes")
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, errors.New("crypto: " + err.Error())
	}
	enc := base64.URLEncoding
	if raw64 {
		enc = base64.RawURLEncoding
	}
	return &NameCipher{eme: eme.New(b), enc: enc}, nil
}

// Encoding returns the base64 variant used for names and symlink targets.
func (n *NameCipher) Encoding() *base64.Encoding { return n.enc }

// ValidName checks a plaintext name against the rules of docs/format.md §5.2.
func ValidName(name string) error {
	switch {
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00"):
		return ErrInvalidName
	case len(name) > NameMax:
		return ErrNameTooLong
	}
	return nil
}

// EncryptName returns the base64 encrypted form of a plaintext name in the
// directory whose IV is iv. The result may need hashing (see LongName).
func (n *NameCipher) EncryptName(name string, iv []byte) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	return n.enc.EncodeToString(n.eme.Encrypt(iv, pad16([]byte(name)))), nil
}

// DecryptName reverses EncryptName. It returns ErrBadName for anything
// that is not a valid encrypted name under iv.
func (n *NameCipher) DecryptName(cipherName string, iv []byte) (string, error) {
	if strings.ContainsAny(cipherName, "\r\n") {
		return "", ErrBadName
	}
	ct, err := n.enc.Strict().DecodeString(cipherName)
	if err != nil || len(ct) == 0 || len(ct)%eme.BlockSize != 0 || len(ct) > eme.BlockSize*eme.MaxBlocks {
		return "", ErrBadName
	}
	plain, ok := unpad16(n.eme.Decrypt(iv, ct))
	if !ok || ValidName(string(plain)) != nil {
		return "", ErrBadName
	}
	return string(plain), nil
}

// LongName returns the hashed on-disk name for an encrypted name:
// LongNamePrefix + base64(SHA-256(cipherName)).
func (n *NameCipher) LongName(cipherName string) string {
	h := sha256.Sum256([]byte(cipherName))
	return LongNamePrefix + n.enc.EncodeToString(h[:])
}

// IsLongName reports whether an on-disk name is a hashed long name (not
// its .name side file).
func IsLongName(diskName string) bool {
	return strings.HasPrefix(diskName, LongNamePrefix) && !strings.HasSuffix(diskName, LongNameSuffix)
}

// IsLongNameFile reports whether an on-disk name is a .name side file.
func IsLongNameFile(diskName string) bool {
	return strings.HasPrefix(diskName, LongNamePrefix) && strings.HasSuffix(diskName, LongNameSuffix)
}

// EncryptXattrName returns the backing name of a plaintext xattr name.
func (n *NameCipher) EncryptXattrName(name string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) || len(name) > eme.BlockSize*eme.MaxBlocks-1 {
		return "", ErrInvalidName
	}
	return XattrPrefix + n.enc.EncodeToString(n.eme.Encrypt(xattrTweak, pad16([]byte(name)))), nil
}

// DecryptXattrName reverses EncryptXattrName. It returns ErrBadName for a
// backing name that is not an encrypted xattr name.
func (n *NameCipher) DecryptXattrName(stored string) (string, error) {
	enc, ok := strings.CutPrefix(stored, XattrPrefix)
	if !ok || strings.ContainsAny(enc, "\r\n") {
		return "", ErrBadName
	}
	ct, err := n.enc.Strict().DecodeString(enc)
	if err != nil || len(ct) == 0 || len(ct)%eme.BlockSize != 0 || len(ct) > eme.BlockSize*eme.MaxBlocks {
		return "", ErrBadName
	}
	plain, ok := unpad16(n.eme.Decrypt(xattrTweak, ct))
	if !ok || len(plain) == 0 || strings.ContainsRune(string(plain), 0) {
		return "", ErrBadName
	}
	return string(plain), nil
}

// pad16 applies PKCS#7 padding to a multiple of 16 bytes (1..16 pad bytes).
func pad16(b []byte) []byte {
	p := eme.BlockSize - len(b)%eme.BlockSize
	out := make([]byte, len(b)+p)
	copy(out, b)
	for i := len(b); i < len(out); i++ {
		out[i] = byte(p)
	}
	return out
}

// unpad16 removes PKCS#7 padding, reporting false if it is malformed.
func unpad16(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	p := int(b[len(b)-1])
	if p == 0 || p > eme.BlockSize || p >= len(b) {
		return nil, false
	}
	for _, x := range b[len(b)-p:] {
		if int(x) != p {
			return nil, false
		}
	}
	return b[:len(b)-p], true
}
