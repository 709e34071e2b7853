package main

import (
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"os"
	"slices"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	vlt "github.com/cofferfs/cofferfs/vault"
)

// vault is an opened vault.
type vault struct {
	dir  string
	conf *config.Config
	fs   *fs.FS
	// lostConfig: the config is missing or damaged; conf holds only the
	// flags found from the data (no wrapped key).
	lostConfig bool
	seal       *crypto.SealKeys // manifest keys (sealmanifest.go)
}

// Close closes the vault's file system and wipes its manifest key.
func (v *vault) Close() error {
	if v.seal != nil {
		v.seal.Wipe()
	}
	return v.fs.Close()
}

// configPath returns the config file of a cipherdir.
func configPath(dir string) string { return vlt.ConfigPath(dir) }

// checkCipherDir checks that dir exists and is a directory.
func checkCipherDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fail(exitCipherDir, fmt.Errorf("cipherdir: %w", err))
	}
	if !fi.IsDir() {
		return failf(exitCipherDir, "cipherdir %s is not a directory", dir)
	}
	return nil
}

// loadConfig loads the config of the vault in dir and turns its errors
// into exit codes.
func loadConfig(dir string) (*config.Config, error) {
	if err := checkCipherDir(dir); err != nil {
		return nil, err
	}
	c, err := config.Load(configPath(dir))
	if err != nil {
		return nil, configError(dir, err)
	}
	return c, nil
}

// configError classifies an error of config.Load or Validate.
func configError(dir string, err error) error {
	var feature *config.FeatureError
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		if configLost(dir) {
			return failf(exitCipherDir, "the vault in %s has no %s", dir, crypto.ConfigName).
				withHint("the recovery key opens it without one (--masterkey-file FILE), and "+
					"cofferfs passwd --masterkey-file FILE %s writes a new one", dir)
		}
		return failf(exitCipherDir, "%s is not a gocryptfs vault: it has no %s", dir, crypto.ConfigName).
			withHint("create a vault with: cofferfs init %s", dir)
	case errors.As(err, &feature):
		return unsupportedError(dir, feature)
	case errors.Is(err, config.ErrInvalid):
		return fail(exitLoadConf, err)
	}
	var parse *config.ParseError
	if errors.As(err, &parse) {
		return fail(exitLoadConf, err)
	}
	return fail(exitOpenConf, err)
}

// gocryptfsOpens lists the flags that make a vault unsupported by
// cofferfs although gocryptfs 2.x opens it.
var gocryptfsOpens = []string{config.FlagAESSIV, config.FlagPlaintextNames,
	config.FlagFIDO2, config.FlagHKDF, config.FlagEMENames}

// unsupportedError explains a feature flag cofferfs does not support.
func unsupportedError(dir string, fe *config.FeatureError) error {
	x := failf(exitUnsupported, "vault %s is not supported: feature flag %q: %s", dir, fe.Flag, fe.Reason)
	if slices.Contains(gocryptfsOpens, fe.Flag) {
		return x.withHint("this is a valid gocryptfs vault: gocryptfs can open it, cofferfs cannot (flag %q)", fe.Flag)
	}
	return x.withHint("flag %q is not part of the format gocryptfs 2.x knows; the vault was probably made by a newer program", fe.Flag)
}

// openReadOnly parses the command line of a command that reads the vault
// named by its first argument, and opens that vault read-only. It
// returns the vault and the positional arguments.
func (e *env) openReadOnly(c *command, fs *flag.FlagSet, u *unlockFlags, args []string, min, max int) (*vault, []string, error) {
	pos, err := e.parse(c, fs, args, min, max)
	if err != nil {
		return nil, nil, err
	}
	if err := u.check(e, c); err != nil {
		return nil, nil, err
	}
	v, err := e.openVault(pos[0], u, true)
	if err != nil {
		return nil, nil, err
	}
	return v, pos, nil
}

// openVault loads, unlocks and opens the vault in dir.
func (e *env) openVault(dir string, u *unlockFlags, readOnly bool) (*vault, error) {
	v, key, err := e.unlockVault(dir, u, readOnly)
	clear(key)
	return v, err
}

// unlockVault is openVault that also returns the master key, which the
// caller clears. A recovery key is checked against the vault first.
func (e *env) unlockVault(dir string, u *unlockFlags, readOnly bool) (*vault, []byte, error) {
	c, err := loadConfig(dir)
	if err != nil && u.keyFile != "" && configLost(dir) {
		return e.unlockLostConfig(dir, u, readOnly)
	}
	if err != nil {
		return nil, nil, err
	}
	key, err := e.masterKey(c, u)
	if err != nil {
		return nil, nil, err
	}
	fsys, err := vlt.OpenConfig(dir, c, key, vlt.Options{ReadOnly: readOnly, Logger: e.fsLog})
	if err != nil {
		clear(key)
		return nil, nil, fail(exitCipherDir, err)
	}
	v := &vault{dir: dir, conf: c, fs: fsys, seal: crypto.DeriveSealKeys(key)}
	if u.keyFile != "" {
		if err := e.verifyKey(v, key, !readOnly || u.writesKey); err != nil {
			v.Close()
			clear(key)
			return nil, nil, err
		}
	}
	return v, key, nil
}

// masterKey returns the master key: from the recovery key file, or
// unwrapped from the config with the password.
func (e *env) masterKey(c *config.Config, u *unlockFlags) ([]byte, error) {
	if u.keyFile != "" {
		return e.readKeyFile(u.keyFile)
	}
	pw, err := e.password(passwordSource{file: u.passfile, command: u.extpass}, "Password", false)
	if err != nil {
		return nil, err
	}
	key, err := e.unwrapInHelper(c, pw)
	clear(pw)
	var x *exitError
	if errors.As(err, &x) {
		return nil, err
	}
	lockKey(key)
	if errors.Is(err, crypto.ErrWrongPassword) {
		return nil, failf(exitWrongKey, "wrong password").
			withHint("if the password is lost, unlock with the recovery key: --masterkey-file FILE")
	}
	if err != nil {
		return nil, fail(exitOther, err)
	}
	return key, nil
}

// unlockLostConfig is unlockVault for a vault whose config is lost,
// unlocked with the recovery key.
func (e *env) unlockLostConfig(dir string, u *unlockFlags, readOnly bool) (*vault, []byte, error) {
	key, err := e.readKeyFile(u.keyFile)
	if err != nil {
		return nil, nil, err
	}
	v, err := e.openLostConfig(dir, key, readOnly, !readOnly || u.writesKey)
	if err != nil {
		clear(key)
		return nil, nil, err
	}
	return v, key, nil
}
