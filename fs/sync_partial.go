package fs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// A sync client that has not finished downloading leaves placeholders
// and half-written objects in the backing directory: a file shorter than
// its header or ending in a fragment too short to be a block, a
// directory whose gocryptfs.diriv is missing or still empty, a long name
// whose .name file has not arrived. These are reported as not fully
// synced, distinct from damage: they usually fix themselves.

// ErrIncomplete is wrapped by every error about a backing object that is
// not fully synced yet.
var ErrIncomplete = errors.New("fs: not fully synced yet")

// IncompleteError reports a backing object that a sync client has not
// finished writing. It wraps ErrIncomplete and, when there is one, the
// error reading the object gave.
type IncompleteError struct {
	// Path is the plaintext path, or the best part of it that is known.
	Path string
	// What names the object, e.g. "file", "directory IV", "long name".
	What string
	// Detail says what is missing, e.g. "10 bytes, shorter than the header".
	Detail string
	// Err is the underlying error, or nil.
	Err error
}

// Error implements error.
func (e *IncompleteError) Error() string {
	return fmt.Sprintf("fs: %s of %q is not fully synced yet: %s", e.What, e.Path, e.Detail)
}

// Unwrap returns ErrIncomplete and the underlying error.
func (e *IncompleteError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrIncomplete}
	}
	return []error{ErrIncomplete, e.Err}
}

// IsIncomplete reports whether err means an object not fully synced yet.
func IsIncomplete(err error) bool { return errors.Is(err, ErrIncomplete) }

// stubError returns an *IncompleteError for a backing file of csize
// bytes that cannot hold a header, or nil. An empty file and a
// header-only file are valid (empty) files.
func stubError(path string, csize uint64) error {
	if csize == 0 || csize >= crypto.HeaderSize {
		return nil
	}
	return &IncompleteError{Path: path, What: "file",
		Detail: fmt.Sprintf("%d bytes, shorter than the %d-byte header", csize, crypto.HeaderSize)}
}

// checkSynced fails a read of n bytes at off from a backing file of
// csize bytes that would touch what a sync client has not written yet:
// any read of a stub, or a read of a trailing fragment too short to be
// a block. Reads of the complete blocks before a fragment still work,
// and reads at or past the end are left to the caller.
func (fl *File) checkSynced(csize, off uint64, n int) error {
	if err := stubError(fl.path, csize); err != nil {
		return err
	}
	c := fl.fs.content
	plain := c.PlainSize(csize)
	if c.FragmentValid(csize) || n == 0 || off >= plain {
		return nil
	}
	last := (plain - 1) / crypto.BlockSize
	if (min(off+uint64(n), plain)-1)/crypto.BlockSize < last {
		return nil
	}
	return &IncompleteError{Path: fl.path, What: fmt.Sprintf("block %d", last), Err: crypto.ErrAuth,
		Detail: fmt.Sprintf("the file ends %d bytes into its last block, too short to be one", (csize-crypto.HeaderSize)%uint64(c.CipherBlockSize()))}
}

// checkOpenSynced refuses a read-only open of a file that is only a stub
// (its size reads as 0, so a reader would otherwise see an empty file).
// Opens for writing work: the first write gives the stub a new header.
func (f *FS) checkOpenSynced(file *File, flags int, err error) (*File, error) {
	if err != nil || flags&unix.O_ACCMODE != unix.O_RDONLY || flags&unix.O_TRUNC != 0 {
		return file, err
	}
	csize, err := file.cipherSize()
	if err == nil {
		err = stubError(file.path, csize)
	}
	if err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
}

// dirIVMissing returns the error for a directory whose diriv is absent
// or empty: a sync client has created the directory but not its IV yet.
func dirIVMissing(path string, err error) error {
	detail := "gocryptfs.diriv is empty"
	if err != nil {
		detail = "gocryptfs.diriv is missing"
	}
	return &IncompleteError{Path: path, What: "directory IV", Detail: detail, Err: err}
}

// incomplete returns an *IncompleteError for a backing name that a sync
// client is still writing, or nil: a long name without any .name file,
// or a sync client's download placeholder.
func (cs *conflictSet) incomplete(disk string) error {
	in := func(detail string) error {
		return &IncompleteError{Path: cs.path, What: "entry " + disk, Detail: detail}
	}
	if crypto.IsLongName(disk) {
		for _, nf := range cs.nameFiles(disk, disk) {
			if cs.names[nf] {
				return nil
			}
		}
		return in("its .name file is missing")
	}
	if why := downloadName(disk); why != "" {
		return in(why)
	}
	return nil
}

// downloadName says which sync client is still downloading to a backing
// name, or "".
func downloadName(disk string) string {
	switch {
	case strings.HasPrefix(disk, ".syncthing.") && strings.HasSuffix(disk, ".tmp"),
		strings.HasPrefix(disk, "~syncthing~") && strings.HasSuffix(disk, ".tmp"):
		return "a Syncthing download in progress"
	case strings.HasSuffix(disk, ".nextcloud"), strings.HasSuffix(disk, ".owncloud"):
		return "a Nextcloud/ownCloud virtual file (placeholder) not downloaded"
	case strings.HasSuffix(disk, ".partial") || strings.HasSuffix(disk, ".crdownload"):
		return "a partial download"
	}
	return ""
}

// logBadName logs a backing entry left out of a listing.
func (f *FS) logBadName(b BadName) {
	if IsIncomplete(b.Err) {
		f.log.Warn("not fully synced yet, hidden from listing", "dir", b.Dir, "cipher", b.Disk, "err", b.Err)
		return
	}
	f.log.Warn("name does not decrypt, hidden from listing", "dir", b.Dir, "cipher", b.Disk, "err", b.Err)
}
