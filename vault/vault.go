package vault

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
)

// ConfigPath returns the config file of the cipherdir dir.
func ConfigPath(dir string) string { return filepath.Join(dir, crypto.ConfigName) }

// WriteConfigError is returned by Create when the new vault's config file
// cannot be written (the root IV is removed again).
type WriteConfigError struct{ Err error }

// Error implements error.
func (e *WriteConfigError) Error() string { return e.Err.Error() }

// Unwrap returns the error of config.WriteFile.
func (e *WriteConfigError) Unwrap() error { return e.Err }

// Create makes a new vault in the empty directory dir: a config with a
// fresh master key wrapped under password, and the root IV. It returns
// the config and the master key, which the caller clears.
func Create(dir string, opts config.CreateOptions, password []byte) (*config.Config, []byte, error) {
	conf, key, err := config.Create(opts, password)
	if err != nil {
		return nil, nil, err
	}
	if err := WriteRootIV(dir); err != nil {
		clear(key)
		return nil, nil, fmt.Errorf("write %s: %w", crypto.DirIVName, err)
	}
	if err := config.WriteFile(ConfigPath(dir), conf); err != nil {
		os.Remove(filepath.Join(dir, crypto.DirIVName))
		clear(key)
		return nil, nil, &WriteConfigError{err}
	}
	return conf, key, nil
}

// WriteRootIV creates the root gocryptfs.diriv of dir: 16 random non-zero
// bytes, mode 0444, synced. It fails if the file exists.
func WriteRootIV(dir string) error {
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

// Options are the choices made when a vault is opened.
type Options struct {
	// ReadOnly refuses every change to the vault.
	ReadOnly bool
	// Logger receives the view's corruption reports; nil discards them.
	Logger *slog.Logger
	// NoSync skips fsyncs of new directories and long-name files (only
	// for benchmarks and throwaway vaults).
	NoSync bool
}

// FSOptions returns the options of the plaintext view of a vault with
// config c.
func FSOptions(c *config.Config, o Options) fs.Options {
	return fs.Options{Algorithm: c.Algorithm(), Raw64: c.Raw64(), DirIV: c.DirIV(),
		LongNameMax: c.NameMax(), ReadOnly: o.ReadOnly, NoSync: o.NoSync, Logger: o.Logger}
}

// Open loads the config of the vault in dir and opens its plaintext view
// with the master key.
func Open(dir string, key []byte, o Options) (*fs.FS, *config.Config, error) {
	c, err := config.Load(ConfigPath(dir))
	if err != nil {
		return nil, nil, err
	}
	f, err := OpenConfig(dir, c, key, o)
	return f, c, err
}

// OpenConfig opens the plaintext view of the vault in dir whose config c
// the caller has already loaded (to unwrap the key with it).
func OpenConfig(dir string, c *config.Config, key []byte, o Options) (*fs.FS, error) {
	return fs.New(dir, key, FSOptions(c, o))
}
