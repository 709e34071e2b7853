package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	vlt "github.com/cofferfs/cofferfs/vault"
)

var initCommand = &command{
	name:    "init",
	args:    "[unlock] [--scryptn N] [--xchacha] [--longnamemax N | --profile P] [--key-only] [--recovery-key-file FILE] [-q] CIPHERDIR\n       [unlock] --reverse [--scryptn N] [--longnamemax N] [--key-only] [--recovery-key-file FILE] [-q] PLAINDIR",
	summary: "create a new vault in an empty or new directory",
	help: `Writes gocryptfs.conf (the password-wrapped master key) and the root
gocryptfs.diriv. The new vault's recovery key (the master key) is printed
once on stdout: store it offline. It opens the vault without the password
(--masterkey-file) and is never shown again. With --key-only the vault
gets no usable password at all and the recovery key is the only way in;
set a password later with "cofferfs passwd --masterkey-file FILE".
--recovery-key-file FILE writes the key to FILE instead of stdout: a new
file (never an existing one) of mode 0600, synced to disk. If the key
cannot be written (stdout or FILE), init fails and removes the vault.
--profile sets --longnamemax for the sync provider the vault lives in.
-q prints only the recovery key (when it goes to stdout): not the notes
on stderr about the new vault and the key.
With --reverse, PLAINDIR is an existing plain directory to back up: only
PLAINDIR/.gocryptfs.reverse.conf is written (AES-SIV, as gocryptfs
-init -reverse); see "cofferfs mount --reverse".

` + profileHelp(),
	run: runInit,
}

// initFlags are the flags of init.
type initFlags struct {
	unlock      unlockFlags
	scryptN     int
	xchacha     bool
	longNameMax int
	keyOnly     bool
	profile     string
	keyFile     string // --recovery-key-file
	reverse     bool
}

func runInit(e *env, c *command, args []string) error {
	var f initFlags
	fs := newFlagSet(c)
	f.unlock.register(fs)
	fs.IntVar(&f.scryptN, "scryptn", crypto.DefaultScryptLogN,
		fmt.Sprintf("scrypt cost: N = 2^`N`, %d..%d", crypto.MinScryptLogN, crypto.MaxScryptLogN))
	fs.BoolVar(&f.xchacha, "xchacha", false, "encrypt contents with XChaCha20-Poly1305 instead of AES-256-GCM")
	fs.IntVar(&f.longNameMax, "longnamemax", crypto.DefaultLongNameMax,
		fmt.Sprintf("hash encrypted names longer than `N` bytes, %d..%d", crypto.MinLongNameMax, crypto.DefaultLongNameMax))
	fs.BoolVar(&f.keyOnly, "key-only", false, "no password: only the recovery key opens the vault")
	fs.StringVar(&f.profile, "profile", "", "set --longnamemax for sync provider `P`: "+profileNames())
	fs.StringVar(&f.keyFile, "recovery-key-file", "", "write the recovery key to new `FILE` (mode 0600) instead of stdout")
	fs.BoolVar(&f.reverse, "reverse", false, "set up a plain directory for reverse mode (writes .gocryptfs.reverse.conf)")
	e.quietFlag(fs, "print only the recovery key: no notes on stderr (warnings still)")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	if err := f.applyProfile(e, c, fs); err != nil {
		return err
	}
	if err := f.check(e, c); err != nil {
		return err
	}
	out, err := e.keyOutput(f.keyFile)
	if err != nil {
		return err
	}
	dir := pos[0]
	if f.reverse {
		if err = e.initReverse(dir, &f, out); err != nil {
			out.abort()
		}
		return err
	}
	created, err := prepareNewCipherDir(dir)
	if err == nil {
		if err = e.initVault(dir, &f, out); err != nil {
			removeNewVault(dir, created)
		}
	}
	if err != nil {
		out.abort()
	}
	return err
}

// removeNewVault removes what init made in dir: the config, the root IV
// and, if init created it, dir itself.
func removeNewVault(dir string, created bool) {
	os.Remove(configPath(dir))
	os.Remove(filepath.Join(dir, crypto.DirIVName))
	if created {
		os.Remove(dir)
	}
}

// check validates the flag combination and ranges of init.
func (f *initFlags) check(e *env, c *command) error {
	switch {
	case f.unlock.keyFile != "":
		return e.usageError(c, "--masterkey-file cannot be used with init: init makes a new key")
	case f.keyOnly && (f.unlock.passfile != "" || f.unlock.extpass != ""):
		return e.usageError(c, "--key-only sets no password: drop --passfile and --extpass")
	case f.scryptN < crypto.MinScryptLogN || f.scryptN > crypto.MaxScryptLogN:
		return e.usageError(c, "--scryptn %d is outside %d..%d", f.scryptN, crypto.MinScryptLogN, crypto.MaxScryptLogN)
	case f.longNameMax < crypto.MinLongNameMax || f.longNameMax > crypto.DefaultLongNameMax:
		return e.usageError(c, "--longnamemax %d is outside %d..%d", f.longNameMax, crypto.MinLongNameMax, crypto.DefaultLongNameMax)
	}
	f.unlock.newKey = true
	return f.unlock.check(e, c)
}

// prepareNewCipherDir makes sure dir is an empty directory, creating it
// if it does not exist (its parent must). created tells whether it did.
func prepareNewCipherDir(dir string) (created bool, err error) {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.Mkdir(dir, 0o777); err != nil {
			return false, fail(exitCipherDir, fmt.Errorf("create cipherdir: %w", err))
		}
		return true, nil
	case err != nil:
		return false, fail(exitCipherDir, fmt.Errorf("cipherdir: %w", err))
	case len(ents) > 0:
		return false, failf(exitCipherDir, "cipherdir %s is not empty", dir).
			withHint("a vault is created in an empty or new directory")
	}
	return false, nil
}

// initVault creates the config and root IV of a new vault in the empty
// directory dir and prints the recovery key.
func (e *env) initVault(dir string, f *initFlags, out *keyOutput) error {
	pw, err := e.initPassword(f)
	if err != nil {
		return err
	}
	defer clear(pw)
	opts := config.CreateOptions{ScryptLogN: f.scryptN, XChaCha: f.xchacha,
		LongNameMax: f.longNameMax, Creator: "cofferfs " + programVersion()}
	if f.keyOnly {
		opts.Creator += keyOnlyMark
	}
	var conf *config.Config
	var key []byte
	err = e.interruptible(func() (err error) {
		conf, key, err = vlt.Create(dir, opts, pw)
		return err
	})
	var x *exitError
	var werr *vlt.WriteConfigError
	switch {
	case errors.As(err, &x):
		return err
	case errors.As(err, &werr):
		return fail(exitWriteConf, err)
	}
	if err != nil {
		return fail(exitInit, err)
	}
	defer clear(key)
	if err := out.write(key); err != nil {
		return failf(exitInit, "the recovery key could not be written to %s: %v", out.name, err).
			withHint("the vault was removed again; run init with a working output (e.g. --recovery-key-file FILE)")
	}
	e.infof("created a vault in %s (%s, scrypt N=%d)", dir, conf.Algorithm(), conf.Scrypt.N)
	e.announceKey(out.name, f.keyOnly)
	return nil
}

// keyOnlyMark ends the Creator of a vault made with --key-only, so that
// info can say so (the wrapped key looks the same either way); passwd
// removes it when it sets a password.
const keyOnlyMark = " (key-only)"

// initPassword returns the password of a new vault: asked twice on a
// terminal, or a random one that nobody sees with --key-only.
func (e *env) initPassword(f *initFlags) ([]byte, error) {
	if f.keyOnly {
		pw := make([]byte, 32)
		rand.Read(pw)
		return pw, nil
	}
	pw, err := e.password(passwordSource{file: f.unlock.passfile, command: f.unlock.extpass}, "Password", true)
	if err == nil {
		e.warnWeak(pw)
	}
	return pw, err
}

// announceKey tells on stderr where the recovery key went and what it is.
func (e *env) announceKey(where string, keyOnly bool) {
	if keyOnly {
		e.infof("the recovery key (in %s) is the ONLY way into this vault:", where)
		e.infof("store it offline; it is never shown again (unlock with --masterkey-file FILE)")
		return
	}
	e.infof("the recovery key (in %s) opens the vault without the password", where)
	e.infof("(--masterkey-file FILE); store it offline, it is never shown again")
}
