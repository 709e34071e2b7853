package fs

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/cofferfs/cofferfs/crypto"
)

// A watcher of the backing directories (the mount's inotify watcher)
// hears backing names. These two calls let it find the backing
// directory of a plaintext one and tell what a backing name in it shows.

// ErrInternalName is returned by PlainName for a backing name the view
// never shows and whose change changes nothing shown: a temporary file
// of this FS (mkdir, rmdir, a .name file being written), a config file.
var ErrInternalName = errors.New("fs: backing name is internal to the format")

// ErrWholeDir is returned by PlainName for a backing name whose change
// may change any name of the directory, or a name that cannot be told
// without a listing: the directory's gocryptfs.diriv, a conflict copy,
// a name that does not decrypt (yet).
var ErrWholeDir = errors.New("fs: backing name may change the whole directory")

// WithBackingDir calls fn with an O_PATH descriptor of the backing
// directory of the plaintext directory path, valid during the call.
func (f *FS) WithBackingDir(path string, fn func(dirfd int) error) error {
	d, err := f.openDir(path)
	if err != nil {
		return err
	}
	defer f.releaseDir(d)
	return fn(d.fd)
}

// PlainName returns the plaintext name that backing name disk of the
// plaintext directory dir is shown as; a long name's .name file stands
// for its object. The errors ErrInternalName and ErrWholeDir classify
// the names that have no plaintext of their own.
func (f *FS) PlainName(dir, disk string) (string, error) {
	disk = strings.TrimSuffix(disk, crypto.LongNameSuffix)
	root := strings.Trim(dir, "/") == ""
	switch {
	case f.opts.DirIV && disk == crypto.DirIVName, f.isConflictSpecial(disk, root):
		return "", ErrWholeDir
	case f.isSpecial(disk, root):
		return "", ErrInternalName
	}
	d, err := f.openDir(dir)
	if err != nil {
		return "", err
	}
	defer f.releaseDir(d)
	plain, err := f.decryptDiskName(d.fd, disk, d.iv)
	if err != nil || !utf8.ValidString(plain) {
		return "", ErrWholeDir
	}
	return plain, nil
}
