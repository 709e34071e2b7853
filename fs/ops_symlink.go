package fs

import (
	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// maxLinkTarget is the longest backing symlink target Linux stores.
const maxLinkTarget = 4095

// Symlink creates path as a symlink to target. The target is sealed as
// one block (block 0, no file ID) and base64-encoded.
func (f *FS) Symlink(target, path string, owner *Owner) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	f.noteChange(path)
	if target == "" {
		return wrapErr(unix.ENOENT, "symlink", path) // as symlink(2)
	}
	e, err := f.lookup(path)
	if err != nil {
		return err
	}
	defer e.close()
	enc := f.names.Encoding().EncodeToString(f.content.SealBlock(nil, []byte(target), 0, nil))
	if len(enc) > maxLinkTarget {
		return wrapErr(unix.ENAMETOOLONG, "symlink", path)
	}
	return wrapErr(f.withName(e, func() error {
		if err := unix.Symlinkat(enc, e.dir, e.disk); err != nil {
			return err
		}
		if owner != nil {
			return unix.Fchownat(e.dir, e.disk, int(owner.UID), int(owner.GID), unix.AT_SYMLINK_NOFOLLOW)
		}
		return nil
	}), "symlink", path)
}

// Readlink returns the plaintext target of a symlink.
func (f *FS) Readlink(path string) (string, error) {
	e, err := f.lookup(path)
	if err != nil {
		return "", err
	}
	defer e.close()
	return f.readlinkEntry(e)
}

func (f *FS) readlinkEntry(e *entry) (string, error) {
	buf := make([]byte, maxLinkTarget+1)
	n, err := unix.Readlinkat(e.dir, e.disk, buf)
	if err != nil {
		return "", wrapErr(err, "readlink", e.path)
	}
	if n == 0 {
		return "", nil
	}
	raw, err := f.names.Encoding().DecodeString(string(buf[:n]))
	if err != nil {
		return "", &CorruptError{Path: e.path, What: "symlink target", Err: crypto.ErrAuth}
	}
	t, err := f.content.OpenValue(nil, raw)
	if err != nil {
		return "", &CorruptError{Path: e.path, What: "symlink target", Err: err}
	}
	return string(t), nil
}
