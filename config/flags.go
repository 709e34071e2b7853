package config

import (
	"errors"
	"fmt"
	"slices"

	"github.com/cofferfs/cofferfs/crypto"
)

// Feature flag names as they appear in FeatureFlags (docs/format.md §2.2).
const (
	// FlagHKDF derives separate subkeys from the master key with HKDF.
	FlagHKDF = "HKDF"
	// FlagGCMIV128 declares 128-bit AES-GCM nonces.
	FlagGCMIV128 = "GCMIV128"
	// FlagDirIV gives every directory a random gocryptfs.diriv name tweak.
	FlagDirIV = "DirIV"
	// FlagEMENames encrypts names with EME.
	FlagEMENames = "EMENames"
	// FlagLongNames stores long encrypted names as hashed long names.
	FlagLongNames = "LongNames"
	// FlagRaw64 selects unpadded base64url for names.
	FlagRaw64 = "Raw64"
	// FlagLongNameMax makes the LongNameMax field the long-name threshold.
	FlagLongNameMax = "LongNameMax"
	// FlagXChaCha20Poly1305 encrypts contents with XChaCha20-Poly1305.
	FlagXChaCha20Poly1305 = "XChaCha20Poly1305"
	// FlagAESSIV encrypts contents with AES-SIV (reverse mode); unsupported.
	FlagAESSIV = "AESSIV"
	// FlagPlaintextNames stores names unencrypted; unsupported.
	FlagPlaintextNames = "PlaintextNames"
	// FlagFIDO2 takes the scrypt input from a FIDO2 token; unsupported.
	FlagFIDO2 = "FIDO2"
)

// ErrUnsupported is wrapped by every *FeatureError: the config is a valid
// gocryptfs config that cofferfs does not handle.
var ErrUnsupported = errors.New("config: unsupported vault")

// FeatureError reports a feature flag, present or missing, that makes a
// vault unsupported. It wraps ErrUnsupported.
type FeatureError struct {
	// Flag is the flag that causes the refusal.
	Flag string
	// Reason explains the refusal.
	Reason string
}

// Error names the flag and the reason.
func (e *FeatureError) Error() string {
	return fmt.Sprintf("config: feature flag %q: %s", e.Flag, e.Reason)
}

// Unwrap returns ErrUnsupported.
func (e *FeatureError) Unwrap() error { return ErrUnsupported }

// knownFlag reports whether f is one of the eleven flags of the format.
func knownFlag(f string) bool {
	switch f {
	case FlagHKDF, FlagGCMIV128, FlagDirIV, FlagEMENames, FlagLongNames,
		FlagRaw64, FlagLongNameMax, FlagXChaCha20Poly1305, FlagAESSIV,
		FlagPlaintextNames, FlagFIDO2:
		return true
	}
	return false
}

// unsupportedReason returns why a known flag is refused, or "" if it is
// supported.
func unsupportedReason(f string) string {
	switch f {
	case FlagAESSIV:
		return "AES-SIV / reverse-mode vaults are not supported"
	case FlagPlaintextNames:
		return "vaults with plaintext names are not supported"
	case FlagFIDO2:
		return "FIDO2-protected vaults are not supported"
	}
	return ""
}

// HasFlag reports whether the feature flag f is set (case-sensitively).
func (c *Config) HasFlag(f string) bool {
	return slices.Contains(c.FeatureFlags, f)
}

// Algorithm returns the file-content algorithm selected by the flags.
func (c *Config) Algorithm() crypto.Algorithm {
	if c.HasFlag(FlagXChaCha20Poly1305) {
		return crypto.XChaCha20Poly1305
	}
	return crypto.AESGCM
}

// Raw64 reports whether names use unpadded base64url (else padded).
func (c *Config) Raw64() bool { return c.HasFlag(FlagRaw64) }

// DirIV reports whether directories carry a gocryptfs.diriv. False means
// deterministic names (an all-zero tweak), which is still supported.
func (c *Config) DirIV() bool { return c.HasFlag(FlagDirIV) }

// NameMax returns the long-name threshold: the LongNameMax field if the
// LongNameMax flag is set, else crypto.DefaultLongNameMax (255).
func (c *Config) NameMax() int {
	if c.HasFlag(FlagLongNameMax) && c.LongNameMax > 0 {
		return c.LongNameMax
	}
	return crypto.DefaultLongNameMax
}
