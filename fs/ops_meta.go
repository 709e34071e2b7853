package fs

import (
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// Stat returns the attributes of path without following a final symlink,
// with plaintext sizes for files and symlinks.
func (f *FS) Stat(path string) (unix.Stat_t, error) {
	var st unix.Stat_t
	e, err := f.lookup(path)
	if err != nil {
		return st, err
	}
	defer e.close()
	return f.statEntry(e, path)
}

// statEntry returns the plaintext attributes of the resolved entry e.
func (f *FS) statEntry(e *entry, path string) (unix.Stat_t, error) {
	var st unix.Stat_t
	// A symlink whose target cannot be read may have been replaced (by a
	// rename or exchange) between the stat and the readlink: stat again,
	// so the size is never another object's. A damaged target keeps the
	// backing size after the last try.
	for try := 0; ; try++ {
		if err := unix.Fstatat(e.dir, e.disk, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return st, wrapErr(err, "stat", path)
		}
		if in := f.inodes.lookupOpen(inodeKey{uint64(st.Dev), st.Ino}); in != nil {
			// Handles are open: a write or truncate may be half done, so
			// stat again under the content lock to see a size the file has.
			in.mu.RLock()
			in.settle() // a deferred write (file_behind.go) counts
			err := unix.Fstatat(e.dir, e.disk, &st, unix.AT_SYMLINK_NOFOLLOW)
			in.mu.RUnlock()
			f.inodes.release(in)
			if err != nil {
				return st, wrapErr(err, "stat", path)
			}
		}
		if f.plainStat(e, &st) || try == 2 {
			return st, nil
		}
	}
}

// plainStat turns backing attributes into plaintext ones. It reports
// false if st is a symlink whose target could not be read.
func (f *FS) plainStat(e *entry, st *unix.Stat_t) bool {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		st.Size = int64(f.content.PlainSize(uint64(st.Size)))
	case unix.S_IFLNK:
		t, err := f.readlinkEntry(e)
		if err != nil {
			return false
		}
		st.Size = int64(len(t))
	}
	return true
}

// modify runs fn on the resolved entry of path, in a vault that may be
// changed; it is the common start of every one-path change.
func (f *FS) modify(path string, fn func(e *entry) error) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	f.noteChange(path)
	e, err := f.lookup(path)
	if err != nil {
		return err
	}
	defer e.close()
	return fn(e)
}

// Unlink removes a non-directory entry and its long-name file.
func (f *FS) Unlink(path string) error {
	return f.modify(path, func(e *entry) error {
		if err := unix.Unlinkat(e.dir, e.disk, 0); err != nil {
			return wrapErr(err, "unlink", path)
		}
		f.dropName(e)
		return nil
	})
}

// Rename moves from to to. flags are renameat2 flags (RENAME_NOREPLACE,
// RENAME_EXCHANGE). An empty directory at to is replaced, as rename(2)
// does, although its backing twin still holds a diriv.
func (f *FS) Rename(from, to string, flags uint) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	f.noteChange(from, to)
	src, err := f.lookup(from)
	if err != nil {
		return err
	}
	defer src.close()
	dst, err := f.lookup(to)
	if err != nil {
		return err
	}
	defer dst.close()
	if src.disk == selfName || dst.disk == selfName {
		return wrapErr(unix.EBUSY, "rename", from)
	}
	err = f.withName(dst, func() error { return f.renameEntry(src, dst, flags) })
	f.dirs.invalidate(src.path)
	f.dirs.invalidate(dst.path)
	if err != nil {
		return wrapErr(err, "rename", from)
	}
	if flags&unix.RENAME_EXCHANGE == 0 && src.long() {
		// Keep the source's .name if the source still exists: rename
		// between two hard links of one file does nothing.
		if unix.Faccessat(src.dir, src.disk, unix.F_OK, unix.AT_SYMLINK_NOFOLLOW) != nil {
			f.syncRenamed(src, dst)
			f.dropName(src)
		}
	}
	return nil
}

// syncRenamed makes a rename durable before the old .name file goes, so
// that no crash, not even a power cut, can keep the removal but lose the
// rename (that would leave the object at its old hashed name without
// the .name file that names it). A failed sync only loses that promise.
func (f *FS) syncRenamed(src, dst *entry) {
	f.syncDir(dst.dir)
	if src.dir != dst.dir {
		f.syncDir(src.dir)
	}
}

func (f *FS) renameEntry(src, dst *entry, flags uint) error {
	err := unix.Renameat2(src.dir, src.disk, dst.dir, dst.disk, flags)
	if (err == unix.ENOTEMPTY || err == unix.EEXIST) && flags == 0 && f.opts.DirIV {
		var st unix.Stat_t
		if unix.Fstatat(dst.dir, dst.disk, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
			if err := f.rmdirEntry(dst); err != nil {
				return err
			}
			return unix.Renameat2(src.dir, src.disk, dst.dir, dst.disk, flags)
		}
	}
	return err
}

// Link creates newPath as a hard link to oldPath.
func (f *FS) Link(oldPath, newPath string) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	f.noteChange(newPath)
	o, err := f.lookup(oldPath)
	if err != nil {
		return err
	}
	defer o.close()
	n, err := f.lookup(newPath)
	if err != nil {
		return err
	}
	defer n.close()
	return wrapErr(f.withName(n, func() error { return unix.Linkat(o.dir, o.disk, n.dir, n.disk, 0) }), "link", newPath)
}

// Mknod creates a FIFO, socket or device node with exactly mode.
func (f *FS) Mknod(path string, mode uint32, dev uint64, owner *Owner) error {
	return f.modify(path, func(e *entry) error {
		return wrapErr(f.withName(e, func() error { return f.mknodEntry(e, mode, dev, owner) }), "mknod", path)
	})
}

func (f *FS) mknodEntry(e *entry, mode uint32, dev uint64, owner *Owner) error {
	if err := unix.Mknodat(e.dir, e.disk, mode, int(dev)); err != nil {
		return err
	}
	if owner != nil {
		if err := unix.Fchownat(e.dir, e.disk, int(owner.UID), int(owner.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			unix.Unlinkat(e.dir, e.disk, 0)
			return err
		}
	}
	return f.chmodEntry(e, mode)
}

// Chmod sets the permission bits. It never follows a backing symlink.
func (f *FS) Chmod(path string, mode uint32) error {
	return f.modify(path, func(e *entry) error {
		return wrapErr(f.chmodEntry(e, mode), "chmod", path)
	})
}

// chmodEntry changes the mode through an O_PATH descriptor, so that a
// symlink swapped into the backing directory is not followed.
func (f *FS) chmodEntry(e *entry, mode uint32) error {
	fd, err := unix.Openat(e.dir, e.disk, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return unix.EOPNOTSUPP
	}
	return unix.Fchmodat(unix.AT_FDCWD, sysx.ProcPath(fd), mode&07777, 0)
}

// Chown sets owner and group; -1 leaves one unchanged.
func (f *FS) Chown(path string, uid, gid int) error {
	return f.modify(path, func(e *entry) error {
		return wrapErr(unix.Fchownat(e.dir, e.disk, uid, gid, unix.AT_SYMLINK_NOFOLLOW), "chown", path)
	})
}

// Utimens sets access and modification times; unix.UTIME_NOW and
// unix.UTIME_OMIT in Nsec work as in utimensat(2).
func (f *FS) Utimens(path string, atime, mtime unix.Timespec) error {
	return f.modify(path, func(e *entry) error {
		ts := []unix.Timespec{atime, mtime}
		return wrapErr(unix.UtimesNanoAt(e.dir, e.disk, ts, unix.AT_SYMLINK_NOFOLLOW), "utimens", path)
	})
}

// Truncate sets the plaintext size of a file by path.
func (f *FS) Truncate(path string, size uint64) error {
	file, err := f.Open(path, unix.O_WRONLY)
	if err != nil {
		return err
	}
	defer file.Close()
	return file.Truncate(size)
}

// Statfs returns the backing file system's statistics, with the
// plaintext name limit.
func (f *FS) Statfs() (unix.Statfs_t, error) {
	var st unix.Statfs_t
	err := unix.Fstatfs(f.root, &st)
	st.Namelen = 255
	return st, wrapErr(err, "statfs", "")
}
