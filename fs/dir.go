package fs

import (
	"crypto/rand"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// mkdirTemp prefixes the hidden name a new directory has until its IV is
// on disk. gocryptfs never shows it (it does not decrypt); cofferfs
// skips it in listings like the other transient names.
const mkdirTemp = "gocryptfs.mkdir."

// Mkdir creates a directory with exactly mode (plus an inherited setgid
// bit) and owner. Its gocryptfs.diriv is written and synced inside it
// while it still has a hidden name; only then is it renamed into place,
// so a crash never leaves a visible directory without its IV.
func (f *FS) Mkdir(path string, mode uint32, owner *Owner) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	f.noteChange(path)
	e, err := f.lookup(path)
	if err != nil {
		return err
	}
	defer e.close()
	if e.disk == selfName {
		return wrapErr(unix.EEXIST, "mkdir", path)
	}
	return wrapErr(f.withName(e, func() error { return f.mkdirEntry(e, mode, owner) }), "mkdir", path)
}

func (f *FS) mkdirEntry(e *entry, mode uint32, owner *Owner) error {
	if !f.opts.DirIV {
		if err := unix.Mkdirat(e.dir, e.disk, 0o700); err != nil {
			return err
		}
		return f.finishDir(e.dir, e.disk, mode, owner)
	}
	if err := unix.Faccessat(e.dir, e.disk, unix.F_OK, unix.AT_SYMLINK_NOFOLLOW); err == nil {
		return unix.EEXIST
	}
	tmp := mkdirTemp + sysx.RandSuffix()
	if err := unix.Mkdirat(e.dir, tmp, 0o700); err != nil {
		return err
	}
	err := f.writeDirIV(e.dir, tmp)
	if err == nil {
		err = f.finishDir(e.dir, tmp, mode, owner)
	}
	if err == nil {
		err = unix.Renameat2(e.dir, tmp, e.dir, e.disk, unix.RENAME_NOREPLACE)
	}
	if err == nil {
		return f.syncDir(e.dir)
	}
	unix.Unlinkat(e.dir, tmp+"/"+crypto.DirIVName, 0)
	unix.Unlinkat(e.dir, tmp, unix.AT_REMOVEDIR)
	return err
}

// writeDirIV creates the gocryptfs.diriv of the new directory name in
// dirfd and syncs both.
func (f *FS) writeDirIV(dirfd int, name string) error {
	sub, err := unix.Openat(dirfd, name, walkFlags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(sub)
	iv := make([]byte, crypto.DirIVSize)
	for isZero(iv) {
		rand.Read(iv)
	}
	fd, err := unix.Openat(sub, crypto.DirIVName, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o444)
	if err != nil {
		return err
	}
	err = sysx.WriteAll(fd, iv, 0)
	if err == nil {
		err = unix.Fchmod(fd, 0o444)
	}
	if err == nil && !f.opts.NoSync {
		err = unix.Fsync(fd)
	}
	unix.Close(fd)
	if err != nil {
		return err
	}
	return f.syncDir(sub)
}

// finishDir sets owner and exact mode on a new directory, keeping a
// setgid bit inherited from its parent.
func (f *FS) finishDir(dirfd int, name string, mode uint32, owner *Owner) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if owner != nil {
		if err := unix.Fchownat(dirfd, name, int(owner.UID), int(owner.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
	}
	return unix.Fchmodat(dirfd, name, mode&07777|st.Mode&unix.S_ISGID, 0)
}

// Rmdir removes an empty directory: its diriv is moved out first, as the
// format prescribes, and put back if the removal fails.
func (f *FS) Rmdir(path string) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	f.noteChange(path)
	e, err := f.lookup(path)
	if err != nil {
		return err
	}
	defer e.close()
	if e.disk == selfName {
		return wrapErr(unix.EBUSY, "rmdir", path)
	}
	err = f.rmdirEntry(e)
	f.dirs.invalidate(path)
	if err != nil {
		return wrapErr(err, "rmdir", path)
	}
	f.dropName(e)
	return nil
}

func (f *FS) rmdirEntry(e *entry) error {
	sub, err := unix.Openat(e.dir, e.disk, walkFlags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(sub)
	// Without owner rwx the directory could neither be listed nor lose
	// its diriv (docs/format.md §7): lend them for the removal. If the removal
	// fails the mode is put back; if it succeeds this touches nothing.
	var st unix.Stat_t
	if err := unix.Fstat(sub, &st); err != nil {
		return err
	}
	if perm := st.Mode & 07777; perm&0o700 != 0o700 {
		if unix.Fchmodat(unix.AT_FDCWD, sysx.ProcPath(sub), perm|0o700, 0) == nil {
			defer unix.Fchmodat(unix.AT_FDCWD, sysx.ProcPath(sub), perm, 0)
		}
	}
	ents, err := readDirents(sub)
	if err != nil {
		return err
	}
	hasIV := false
	for _, d := range ents {
		if d.Name != crypto.DirIVName || !f.opts.DirIV {
			return unix.ENOTEMPTY
		}
		hasIV = true
	}
	if !hasIV {
		return unix.Unlinkat(e.dir, e.disk, unix.AT_REMOVEDIR)
	}
	moved := rmdirTempName()
	if err := unix.Renameat(sub, crypto.DirIVName, e.dir, moved); err != nil {
		return err
	}
	if err := unix.Unlinkat(e.dir, e.disk, unix.AT_REMOVEDIR); err != nil {
		unix.Renameat(e.dir, moved, sub, crypto.DirIVName)
		return err
	}
	unix.Unlinkat(e.dir, moved, 0)
	return nil
}
