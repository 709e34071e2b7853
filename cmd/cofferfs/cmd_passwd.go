package main

import (
	"errors"
	"fmt"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/config"
)

var passwdCommand = &command{
	name:    "passwd",
	args:    "[unlock] [--new-passfile FILE] [--scryptn N] CIPHERDIR",
	summary: "change the password, or set one with the recovery key",
	help: `Wraps the same master key under a new password with a new salt; no file
is re-encrypted. The old config is kept as gocryptfs.conf.bak. Unlocked
with --masterkey-file, it sets a password without knowing the old one
(the key is first checked against the vault). The new password comes from
--new-passfile, or is asked twice on a terminal, or is the next line of
stdin (after the old password's line) when stdin is not a terminal.`,
	run: runPasswd,
}

func runPasswd(e *env, c *command, args []string) error {
	var u unlockFlags
	var newPassfile string
	var scryptN int
	fs := newFlagSet(c)
	u.register(fs)
	fs.StringVar(&newPassfile, "new-passfile", "", "read the new password from the first line of `FILE`")
	fs.IntVar(&scryptN, "scryptn", 0, fmt.Sprintf("new scrypt cost: N = 2^`N`, %d..%d (default: keep the current one)",
		crypto.MinScryptLogN, crypto.MaxScryptLogN))
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	if err := u.check(e, c); err != nil {
		return err
	}
	if scryptN != 0 && (scryptN < crypto.MinScryptLogN || scryptN > crypto.MaxScryptLogN) {
		return e.usageError(c, "--scryptn %d is outside %d..%d", scryptN, crypto.MinScryptLogN, crypto.MaxScryptLogN)
	}
	dir := pos[0]
	u.writesKey = true
	v, key, err := e.unlockVault(dir, &u, true)
	if err != nil {
		return err
	}
	defer clear(key)
	v.Close()
	pw, err := e.password(passwordSource{file: newPassfile}, "New password", true)
	if err != nil {
		return err
	}
	defer clear(pw)
	if v.lostConfig {
		return e.rebuildConfig(v.conf, dir, key, pw, scryptN)
	}
	return e.setPassword(v.conf, dir, key, pw, scryptN)
}

// rebuildConfig writes a new config for a vault whose config was lost:
// the flags found from its data, key wrapped under pw.
func (e *env) rebuildConfig(c *config.Config, dir string, key, pw []byte, scryptN int) error {
	opts := config.CreateOptions{ScryptLogN: scryptN, XChaCha: c.Algorithm() == crypto.XChaCha20Poly1305,
		LongNameMax: c.NameMax(), Creator: "cofferfs " + programVersion()}
	var nc *config.Config
	err := e.interruptible(func() (err error) {
		nc, err = config.Rebuild(opts, key, pw)
		return err
	})
	var x *exitError
	if errors.As(err, &x) {
		return err
	}
	if err != nil {
		return fail(exitOther, err)
	}
	path := configPath(dir)
	if err := config.WriteFile(path, nc); err != nil {
		return fail(exitWriteConf, err)
	}
	e.infof("wrote a new %s (%s, long names hashed above %d characters) with the new password",
		crypto.ConfigName, nc.Algorithm(), nc.NameMax())
	return nil
}

// setPassword backs up the config, re-wraps key under pw and writes it.
func (e *env) setPassword(c *config.Config, dir string, key, pw []byte, scryptN int) error {
	path := configPath(dir)
	if err := config.Backup(path); err != nil {
		return fail(exitWriteConf, err)
	}
	err := e.interruptible(func() error { return c.SetPassword(key, pw, scryptN) })
	var x *exitError
	if errors.As(err, &x) {
		return err
	}
	if err != nil {
		return fail(exitOther, err)
	}
	if err := config.WriteFile(path, c); err != nil {
		return fail(exitWriteConf, err)
	}
	e.infof("password changed; the old config is in %s.bak", path)
	return nil
}
