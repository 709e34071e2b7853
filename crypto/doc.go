// Package crypto is the pure cryptographic core of the gocryptfs v2
// on-disk format that cofferfs reads and writes: key derivation (scrypt,
// HKDF-SHA256), master-key wrapping, the content block codec (AES-256-GCM
// with 128-bit nonces, or XChaCha20-Poly1305), the 18-byte file header,
// plaintext/ciphertext offset arithmetic, EME name encryption with PKCS#7
// padding and base64url, and hashed long names. Beyond the format,
// seal.go derives cofferfs's own vault-manifest key and vault ID (HKDF
// with info strings gocryptfs never uses) and seals manifests with
// XChaCha20-Poly1305.
//
// Compatibility: every constant and info string follows the format spec
// (docs/format.md), and the tests check known answers
// produced by gocryptfs 2.3. AES-SIV (reverse mode) is not implemented.
//
// Security: the package does no I/O and never logs. Authentication
// failures collapse into one opaque error, ErrAuth (ErrWrongPassword for
// the key wrap). Every block gets a fresh random nonce when sealed. A full
// all-zero block is accepted as a hole without authentication, as the
// format demands; callers that care can detect it with IsHole. Keys are
// plain byte slices owned by the caller, who wipes them with clear; HKDF
// is done here (not with crypto/hkdf) so that the hash buffers a master
// key passes through can be overwritten. KeyCheck is cofferfs's own
// addition, not part of the format: HKDF output under an info string of
// its own, which proves a recovery key without data to decrypt. scrypt
// parameters are limited to gocryptfs's r = 8, p = 1 and N <= 2^22, so a
// forged config cannot make an unlock take hours.
package crypto
