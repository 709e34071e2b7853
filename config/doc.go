// Package config reads, validates and writes gocryptfs.conf, the JSON file
// at the root of a gocryptfs v2 cipherdir that holds the scrypt parameters,
// the password-wrapped master key and the feature flags of a vault.
//
// Compatibility: Parse accepts the file as gocryptfs 2.x writes it (field
// names are matched case-insensitively, flags case-sensitively, duplicate
// flags are harmless) and Marshal writes it back byte for byte in the same
// layout: tab indentation, the known fields in their fixed order, a final
// newline. Top-level JSON members this package does not know are kept and
// written back after the known fields, so a config touched by a newer
// program survives a password change. New vaults are created with the full
// modern flag set (HKDF, GCMIV128 or XChaCha20Poly1305, DirIV, EMENames,
// LongNames, Raw64 and optionally LongNameMax) in gocryptfs's order.
//
// Supported vaults are a strict subset of what gocryptfs mounts: HKDF key
// derivation, AES-256-GCM with 128-bit IVs or XChaCha20-Poly1305, and
// EME-encrypted names with or without per-directory IVs. Vaults that use
// AES-SIV (reverse mode), plaintext names or FIDO2, configs from before
// gocryptfs 1.3 (no HKDF), and configs with any flag this package does not
// know are refused as a whole with a *FeatureError that wraps
// ErrUnsupported; nothing is ever opened half-understood. Configs that
// break the format's own consistency rules are refused with a *FieldError
// that wraps ErrInvalid, and input that is not a JSON object with a
// *ParseError.
//
// Security: Parse and Validate do no cryptography and never panic, whatever
// the input. A wrong password is reported as crypto.ErrWrongPassword and is
// indistinguishable from a tampered EncryptedKey. Every password change
// draws a fresh random salt. WriteFile and Backup replace files atomically
// (exclusive temporary file, mode 0400, fsync, rename, directory fsync), so
// a crash leaves either the old or the new config, never a torn one. Master
// keys and key-encryption keys are plain byte slices; this package clears
// the KEKs it derives, and callers own and should clear master keys.
// Load opens the file with O_NOFOLLOW|O_NONBLOCK and reads only a regular
// file of at most 64 KiB. New and re-wrapped configs carry cofferfs's key
// check (KeyCheckField, an unknown member to gocryptfs); Defaults and
// Rebuild make the config of a vault whose config was lost, from the
// options found in its data.
package config
