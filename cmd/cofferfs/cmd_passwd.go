package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
)

var passwdCommand = &command{
	name:    "passwd",
	args:    "[unlock] [--new-passfile FILE] [--scryptn N] [--no-backup] [-q] CIPHERDIR",
	summary: "change the password, or set one with the recovery key",
	help: `Wraps the same master key under a new password with a new salt; no file
is re-encrypted. The old config is kept as gocryptfs.conf.bak, so the OLD
password still opens the vault through it (and through the sync
provider's version history of it): --no-backup removes it once the new
config has been read back and checked. Unlocked
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
	var noBackup bool
	fs := newFlagSet(c)
	fs.BoolVar(&noBackup, "no-backup", false, "remove gocryptfs.conf.bak (the old password) once the new config is checked")
	u.register(fs)
	e.quietFlag(fs, "print nothing on success (warnings and errors still)")
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
	e.warnWeak(pw)
	if v.lostConfig {
		return e.rebuildConfig(v.conf, dir, key, pw, scryptN)
	}
	if err := e.setPassword(v.conf, dir, key, pw, scryptN); err != nil {
		return err
	}
	return e.afterPasswd(dir, key, pw, noBackup)
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
	c.Creator = strings.TrimSuffix(c.Creator, keyOnlyMark) // it has a password now
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
	return nil
}

// afterPasswd removes the backup with --no-backup, after reading the new
// config back and unwrapping the key with the new password; without it,
// it says what the backup means.
func (e *env) afterPasswd(dir string, key, pw []byte, noBackup bool) error {
	path := configPath(dir)
	if !noBackup {
		e.infof("password changed; the old config is in %s.bak, so the old password still opens "+
			"the vault through it (and through your sync provider's file history)", path)
		e.infof("remove it once the new password works (or use passwd --no-backup next time)")
		return nil
	}
	c, err := config.Load(path)
	if err != nil {
		return fail(exitLoadConf, fmt.Errorf("read back the new config: %w", err)).
			withHint("the old config is kept in %s.bak", path)
	}
	var got []byte
	err = e.interruptible(func() (err error) {
		got, err = c.MasterKey(pw)
		return err
	})
	defer clear(got)
	if err != nil || !bytes.Equal(got, key) {
		return failf(exitWriteConf, "the new config does not unwrap the key with the new password: %v", err).
			withHint("the old config is kept in %s.bak", path)
	}
	if err := config.RemoveBackup(path); err != nil {
		return fail(exitWriteConf, err)
	}
	e.infof("password changed; the old config was removed (the sync provider may still keep old versions of it)")
	return nil
}
