package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/config"
)

var initCommand = &command{
	name:    "init",
	args:    "[unlock] [--scryptn N] [--xchacha] [--longnamemax N | --profile P] [--key-only] CIPHERDIR\n       [unlock] --reverse [--scryptn N] [--longnamemax N] [--key-only] PLAINDIR",
	summary: "create a new vault in an empty or new directory",
	help: `Writes gocryptfs.conf (the password-wrapped master key) and the root
gocryptfs.diriv. The new vault's recovery key (the master key) is printed
once on stdout: store it offline. It opens the vault without the password
(--masterkey-file) and is never shown again. With --key-only the vault
gets no usable password at all and the recovery key is the only way in;
set a password later with "cofferfs passwd --masterkey-file FILE".
--profile sets --longnamemax for the sync provider the vault lives in.
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
	fs.BoolVar(&f.reverse, "reverse", false, "set up a plain directory for reverse mode (writes .gocryptfs.reverse.conf)")
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
	dir := pos[0]
	if f.reverse {
		return e.initReverse(dir, &f)
	}
	created, err := prepareNewCipherDir(dir)
	if err != nil {
		return err
	}
	if err := e.initVault(dir, &f); err != nil {
		if created {
			os.Remove(dir)
		}
		return err
	}
	return nil
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
func (e *env) initVault(dir string, f *initFlags) error {
	pw, err := e.initPassword(f)
	if err != nil {
		return err
	}
	defer clear(pw)
	opts := config.CreateOptions{ScryptLogN: f.scryptN, XChaCha: f.xchacha,
		LongNameMax: f.longNameMax, Creator: "cofferfs " + programVersion()}
	conf, key, err := config.Create(opts, pw)
	if err != nil {
		return fail(exitInit, err)
	}
	defer clear(key)
	if err := writeRootIV(dir); err != nil {
		return fail(exitInit, fmt.Errorf("write %s: %w", crypto.DirIVName, err))
	}
	if err := config.WriteFile(configPath(dir), conf); err != nil {
		os.Remove(filepath.Join(dir, crypto.DirIVName))
		return fail(exitWriteConf, err)
	}
	e.announceVault(dir, conf, key, f.keyOnly)
	return nil
}

// initPassword returns the password of a new vault: asked twice on a
// terminal, or a random one that nobody sees with --key-only.
func (e *env) initPassword(f *initFlags) ([]byte, error) {
	if f.keyOnly {
		pw := make([]byte, 32)
		rand.Read(pw)
		return pw, nil
	}
	return e.password(passwordSource{file: f.unlock.passfile, command: f.unlock.extpass}, "Password", true)
}

// writeRootIV creates the root gocryptfs.diriv: 16 random non-zero
// bytes, mode 0444, synced.
func writeRootIV(dir string) error {
	iv := make([]byte, crypto.DirIVSize)
	for isZero(iv) {
		rand.Read(iv)
	}
	f, err := os.OpenFile(filepath.Join(dir, crypto.DirIVName), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return err
	}
	_, err = f.Write(iv)
	if err == nil {
		err = f.Chmod(0o444)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// announceVault prints the recovery key on stdout and the advice on
// stderr.
func (e *env) announceVault(dir string, c *config.Config, key []byte, keyOnly bool) {
	e.infof("created a vault in %s (%s, scrypt N=%d)", dir, c.Algorithm(), c.Scrypt.N)
	fmt.Fprintln(e.stdout, crypto.FormatMasterKey(key))
	if keyOnly {
		e.infof("the line on stdout is the recovery key and the ONLY way into this vault:")
		e.infof("store it offline; it is never shown again (unlock with --masterkey-file FILE)")
		return
	}
	e.infof("the line on stdout is the recovery key: it opens the vault without the password")
	e.infof("(--masterkey-file FILE); store it offline, it is never shown again")
}
