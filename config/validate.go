package config

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/cofferfs/cofferfs/crypto"
)

// FormatVersion is the only on-disk format version (the Version field).
const FormatVersion = 2

// ErrInvalid is wrapped by every *FieldError: the config breaks the
// format's own rules.
var ErrInvalid = errors.New("config: invalid config")

// FieldError reports a field, or a combination of feature flags, that
// makes a config invalid. It wraps ErrInvalid.
type FieldError struct {
	// Field is the JSON field at fault, e.g. "Version" or "FeatureFlags".
	Field string
	// Reason explains what is wrong with it.
	Reason string
}

// Error names the field and the reason.
func (e *FieldError) Error() string {
	return fmt.Sprintf("config: %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Validate checks the config against the format's rules (docs/format.md §2.3) and
// cofferfs's policy. It returns a *FieldError for an invalid config and a
// *FeatureError for a valid one that cofferfs does not support.
func (c *Config) Validate() error {
	if c.Version != FormatVersion {
		return versionError(c.Version)
	}
	for _, f := range c.FeatureFlags {
		if !knownFlag(f) {
			return &FeatureError{Flag: f, Reason: "unknown feature flag"}
		}
	}
	checks := []func() error{c.checkAlgorithm, c.checkNames, c.checkPolicy,
		c.checkScrypt, c.checkEncryptedKey, c.checkLongNameMax}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func versionError(v int) error {
	if v == 0 {
		return &FieldError{Field: "Version", Reason: "missing (want 2)"}
	}
	return &FieldError{Field: "Version",
		Reason: fmt.Sprintf("on-disk format version %d is not supported (want 2)", v)}
}

// conflict returns the error for two flags that must not be combined.
func conflict(a, b string) error {
	return &FieldError{Field: "FeatureFlags",
		Reason: fmt.Sprintf("flag %q cannot be combined with %q", a, b)}
}

// requires returns the error for a flag that needs another one.
func requires(a, b string) error {
	return &FieldError{Field: "FeatureFlags",
		Reason: fmt.Sprintf("flag %q requires flag %q", a, b)}
}

// checkAlgorithm applies the content-algorithm rules 4 to 7 of docs/format.md §2.3.
func (c *Config) checkAlgorithm() error {
	xchacha, siv := c.HasFlag(FlagXChaCha20Poly1305), c.HasFlag(FlagAESSIV)
	iv128 := c.HasFlag(FlagGCMIV128)
	switch {
	case xchacha && siv:
		return conflict(FlagXChaCha20Poly1305, FlagAESSIV)
	case siv && !iv128:
		return requires(FlagAESSIV, FlagGCMIV128)
	case xchacha && iv128:
		return conflict(FlagXChaCha20Poly1305, FlagGCMIV128)
	case xchacha && !c.HasFlag(FlagHKDF):
		return requires(FlagXChaCha20Poly1305, FlagHKDF)
	case !xchacha && !siv && !iv128:
		return &FeatureError{Flag: FlagGCMIV128,
			Reason: "missing: AES-GCM vaults with 96-bit IVs are not supported"}
	}
	return nil
}

// checkNames applies the name rules 8 and 9 of docs/format.md §2.3.
func (c *Config) checkNames() error {
	if c.HasFlag(FlagPlaintextNames) {
		for _, f := range []string{FlagEMENames, FlagDirIV, FlagLongNames,
			FlagRaw64, FlagLongNameMax} {
			if c.HasFlag(f) {
				return conflict(FlagPlaintextNames, f)
			}
		}
	}
	flag := c.HasFlag(FlagLongNameMax)
	switch {
	case flag && c.LongNameMax == 0:
		return &FieldError{Field: "LongNameMax",
			Reason: "missing or 0 although flag \"LongNameMax\" is set"}
	case !flag && c.LongNameMax != 0:
		return &FieldError{Field: "LongNameMax",
			Reason: "set although flag \"LongNameMax\" is missing"}
	}
	return nil
}

// checkPolicy refuses valid vaults that cofferfs does not support.
func (c *Config) checkPolicy() error {
	for _, f := range c.FeatureFlags {
		if r := unsupportedReason(f); r != "" {
			return &FeatureError{Flag: f, Reason: r}
		}
	}
	if !c.HasFlag(FlagHKDF) {
		return &FeatureError{Flag: FlagHKDF, Reason: "vaults created before " +
			"gocryptfs 1.3 (without HKDF) are not supported"}
	}
	if !c.HasFlag(FlagEMENames) {
		return &FeatureError{Flag: FlagEMENames,
			Reason: "missing: vaults without EME name encryption are not supported"}
	}
	return nil
}

// checkScrypt validates the scrypt parameters. It first refuses R and P
// whose product would overflow int, which crypto.ScryptParams.Validate
// computes unchecked.
func (c *Config) checkScrypt() error {
	p := c.Scrypt
	if p.R > 0 && p.P > math.MaxInt/p.R {
		return &FieldError{Field: "ScryptObject", Reason: "scrypt r or p out of range"}
	}
	if err := p.Validate(); err != nil {
		return &FieldError{Field: "ScryptObject",
			Reason: strings.TrimPrefix(err.Error(), "crypto: ")}
	}
	return nil
}

func (c *Config) checkEncryptedKey() error {
	if n := len(c.EncryptedKey); n != crypto.WrappedKeySize {
		return &FieldError{Field: "EncryptedKey",
			Reason: fmt.Sprintf("is %d bytes, want %d", n, crypto.WrappedKeySize)}
	}
	return nil
}

// checkLongNameMax applies cofferfs's range 62..255 to a set threshold.
func (c *Config) checkLongNameMax() error {
	n := c.LongNameMax
	if c.HasFlag(FlagLongNameMax) &&
		(n < crypto.MinLongNameMax || n > crypto.DefaultLongNameMax) {
		return &FieldError{Field: "LongNameMax", Reason: fmt.Sprintf(
			"%d is outside %d..%d", n, crypto.MinLongNameMax, crypto.DefaultLongNameMax)}
	}
	return nil
}
