package config

import "github.com/cofferfs/cofferfs/crypto"

// Defaults returns the flags-only config a vault created with opts has:
// the gocryptfs v2 defaults plus opts' content algorithm and long-name
// threshold. It has no wrapped key; it is what a vault whose config was
// lost is opened with, by its master key.
func Defaults(opts CreateOptions) (*Config, error) {
	c := &Config{Creator: opts.Creator, Version: FormatVersion}
	if c.Creator == "" {
		c.Creator = DefaultCreator
	}
	if err := c.setFlags(opts); err != nil {
		return nil, err
	}
	return c, nil
}

// Rebuild returns a new config for an existing vault whose config was
// lost: the flags of Defaults(opts), master wrapped under password with
// fresh scrypt parameters, and the key check of master. The caller must
// have verified master against the vault's data.
func Rebuild(opts CreateOptions, master, password []byte) (*Config, error) {
	logN, err := checkLogN(opts.ScryptLogN)
	if err != nil {
		return nil, err
	}
	c, err := Defaults(opts)
	if err != nil {
		return nil, err
	}
	if err := c.wrap(master, password, crypto.NewScryptParams(logN)); err != nil {
		return nil, err
	}
	c.SetKeyCheck(master)
	return c, nil
}
