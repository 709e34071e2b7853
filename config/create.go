package config

import (
	"fmt"
	"math/bits"

	"github.com/cofferfs/cofferfs/crypto"
)

// DefaultCreator is the Creator written by Create when none is given.
const DefaultCreator = "cofferfs"

// CreateOptions are the choices made when a new vault is created.
type CreateOptions struct {
	// ScryptLogN is the scrypt cost exponent (N = 2^ScryptLogN), 10..22;
	// 0 means crypto.DefaultScryptLogN.
	ScryptLogN int
	// XChaCha selects XChaCha20-Poly1305 content encryption instead of
	// AES-256-GCM.
	XChaCha bool
	// LongNameMax is the long-name threshold, 62..255; 0 means 255.
	LongNameMax int
	// Creator is written to the Creator field; "" means DefaultCreator.
	Creator string
}

// Create returns the config of a new vault with a fresh random master key
// wrapped under password, and that master key, with the key check of
// the master key (KeyCheckField). The flags are the full
// modern set in gocryptfs's order: HKDF, XChaCha20Poly1305 or GCMIV128,
// DirIV, LongNameMax (only for a threshold other than 255), EMENames,
// LongNames, Raw64. The caller should clear the master key after use.
func Create(opts CreateOptions, password []byte) (*Config, []byte, error) {
	logN, err := checkLogN(opts.ScryptLogN)
	if err != nil {
		return nil, nil, err
	}
	c := &Config{Creator: opts.Creator, Version: FormatVersion}
	if c.Creator == "" {
		c.Creator = DefaultCreator
	}
	if err := c.setFlags(opts); err != nil {
		return nil, nil, err
	}
	master := crypto.NewMasterKey()
	if err := c.wrap(master, password, crypto.NewScryptParams(logN)); err != nil {
		clear(master)
		return nil, nil, err
	}
	c.SetKeyCheck(master)
	return c, master, nil
}

// checkLogN applies the default and the range of the scrypt exponent.
func checkLogN(logN int) (int, error) {
	if logN == 0 {
		return crypto.DefaultScryptLogN, nil
	}
	if logN < crypto.MinScryptLogN || logN > crypto.MaxScryptLogN {
		return 0, fmt.Errorf("config: scrypt log2(N) %d is outside %d..%d",
			logN, crypto.MinScryptLogN, crypto.MaxScryptLogN)
	}
	return logN, nil
}

// setFlags sets FeatureFlags and LongNameMax for a new vault.
func (c *Config) setFlags(opts CreateOptions) error {
	n := opts.LongNameMax
	if n == 0 {
		n = crypto.DefaultLongNameMax
	}
	if n < crypto.MinLongNameMax || n > crypto.DefaultLongNameMax {
		return fmt.Errorf("config: LongNameMax %d is outside %d..%d",
			n, crypto.MinLongNameMax, crypto.DefaultLongNameMax)
	}
	alg := FlagGCMIV128
	if opts.XChaCha {
		alg = FlagXChaCha20Poly1305
	}
	c.FeatureFlags = []string{FlagHKDF, alg, FlagDirIV}
	if n != crypto.DefaultLongNameMax {
		c.FeatureFlags = append(c.FeatureFlags, FlagLongNameMax)
		c.LongNameMax = n
	}
	c.FeatureFlags = append(c.FeatureFlags, FlagEMENames, FlagLongNames, FlagRaw64)
	return nil
}

// wrap sets Scrypt and EncryptedKey to master wrapped under password with
// the scrypt parameters p. It changes nothing on error.
func (c *Config) wrap(master, password []byte, p crypto.ScryptParams) error {
	if len(master) != crypto.KeySize {
		return fmt.Errorf("config: master key is %d bytes, want %d", len(master), crypto.KeySize)
	}
	kek, err := crypto.DeriveKEK(password, p)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer clear(kek)
	c.EncryptedKey = crypto.WrapMasterKey(master, kek)
	c.Scrypt = p
	return nil
}

// MasterKey validates the config, derives the key-encryption key from
// password with scrypt and unwraps the master key. A wrong password (or a
// tampered EncryptedKey) gives an error that is crypto.ErrWrongPassword.
// The caller should clear the key after use.
func (c *Config) MasterKey(password []byte) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	kek, err := crypto.DeriveKEK(password, c.Scrypt)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer clear(kek)
	return crypto.UnwrapMasterKey(c.EncryptedKey, kek, true)
}

// SetPassword re-wraps master under a new password with a new random salt.
// scryptLogN 0 keeps the current N, R and P; otherwise N = 2^scryptLogN
// with the default R and P. master is not checked against the old
// wrapping; callers obtain it from MasterKey. Unknown members are kept;
// the key check is set to master's.
// The config is unchanged on error.
func (c *Config) SetPassword(master, password []byte, scryptLogN int) error {
	if err := c.Validate(); err != nil {
		return err
	}
	p, err := c.newScrypt(scryptLogN)
	if err != nil {
		return err
	}
	if err := c.wrap(master, password, p); err != nil {
		return err
	}
	c.SetKeyCheck(master)
	return nil
}

// newScrypt returns the parameters for a password change.
func (c *Config) newScrypt(logN int) (crypto.ScryptParams, error) {
	if logN != 0 {
		n, err := checkLogN(logN)
		if err != nil {
			return crypto.ScryptParams{}, err
		}
		return crypto.NewScryptParams(n), nil
	}
	// N is a power of two of at least 2^10 here, as Validate checked.
	p := crypto.NewScryptParams(bits.Len(uint(c.Scrypt.N)) - 1)
	p.R, p.P = c.Scrypt.R, c.Scrypt.P
	return p, nil
}
