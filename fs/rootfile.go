package fs

import (
	"strings"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/fs/internal/sysx"
)

// Files of cofferfs's own at the cipherdir root (the vault manifests):
// read and written here so that all backing access stays in package fs.

// ReadRootFiles returns the regular files at the cipherdir root whose
// names start with prefix, each cut at limit bytes (a file that grew meanwhile is cut at its
// size when listed, plus one byte).
func (f *FS) ReadRootFiles(prefix string, limit int) (map[string][]byte, error) {
	raw, err := readDirents(f.root)
	if err != nil {
		return nil, wrapErr(err, "read directory", "")
	}
	out := map[string][]byte{}
	for _, r := range raw {
		if !strings.HasPrefix(r.Name, prefix) {
			continue
		}
		var st unix.Stat_t
		if unix.Fstatat(f.root, r.Name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		buf := make([]byte, min(st.Size+1, int64(limit)))
		n, err := readSmall(f.root, r.Name, buf)
		if err == nil {
			out[r.Name] = buf[:n]
		}
	}
	return out, nil
}

// WriteRootFile replaces (or creates) name at the cipherdir root with
// data, crash-safely: tmp is written and synced, then renamed over name.
// The root's modification time is kept.
func (f *FS) WriteRootFile(name, tmp string, data []byte) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	defer f.keepRootMtime()()
	fd, err := unix.Openat(f.root, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return wrapErr(err, "create", tmp)
	}
	err = sysx.WriteAll(fd, data, 0)
	if err == nil && !f.opts.NoSync {
		err = unix.Fsync(fd)
	}
	unix.Close(fd)
	if err == nil {
		err = unix.Renameat(f.root, tmp, f.root, name)
	}
	if err != nil {
		unix.Unlinkat(f.root, tmp, 0)
		return wrapErr(err, "write", name)
	}
	return f.syncDir(f.root)
}

// RemoveRootFile removes a regular file at the cipherdir root; a missing
// one is no error.
func (f *FS) RemoveRootFile(name string) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	if err := checkRegular(f.root, name); err == unix.ENOENT {
		return nil
	} else if err != nil {
		return wrapErr(err, "remove", name)
	}
	defer f.keepRootMtime()()
	if err := unix.Unlinkat(f.root, name, 0); err != nil && err != unix.ENOENT {
		return wrapErr(err, "remove", name)
	}
	return nil
}

// keepRootMtime returns a function that puts the root's modification
// time back: cofferfs's own root files are no change of the plaintext
// root directory (whose time is the backing root's).
func (f *FS) keepRootMtime() (restore func()) {
	var st unix.Stat_t
	if unix.Fstat(f.root, &st) != nil {
		return func() {}
	}
	return func() {
		ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, st.Mtim}
		unix.UtimesNanoAt(unix.AT_FDCWD, sysx.ProcPath(f.root), ts, 0)
	}
}
