// Package crypto is the pure cryptographic core of the gocryptfs v2
// on-disk format that cofferfs reads and writes: key derivation (scrypt,
// HKDF-SHA256), master-key wrapping, the content block codec (AES-256-GCM
// with 128-bit nonces, AES-SIV-512, or XChaCha20-Poly1305), the 18-byte file header,
// plaintext/ciphertext offset arithmetic, EME name encryption with PKCS#7
// padding and base64url, and hashed long names.
//
// Compatibility: every constant and info string follows the format spec
// (shared/spec/gocryptfs-format.md), and the tests check known answers
// produced by gocryptfs 2.3. AES-SIV (AESSIV vaults, reverse mode) is
// crypto/internal/siv, written from RFC 5297 and tested with its vectors;
// SealBlockNonce lets reverse mode seal with derived nonces.
//
// Security: the package does no I/O and never logs. Authentication
// failures collapse into one opaque error, ErrAuth (ErrWrongPassword for
// the key wrap). Every block gets a fresh random nonce when sealed. A full
// all-zero block is accepted as a hole without authentication, as the
// format demands; callers that care can detect it with IsHole. Keys are
// plain byte slices owned by the caller, who wipes them with clear.
package crypto
