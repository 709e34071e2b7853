package fs

import (
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// Chmod sets the permission bits of the open file (fchmod). Unlike
// FS.Chmod it needs no path, so it works after the file was unlinked.
func (fl *File) Chmod(mode uint32) error {
	if err := fl.fs.checkWritable(); err != nil {
		return err
	}
	return wrapErr(unix.Fchmod(fl.fd, mode&07777), "chmod", fl.path)
}

// Chown sets the owner and group of the open file (fchown); -1 leaves
// one unchanged.
func (fl *File) Chown(uid, gid int) error {
	if err := fl.fs.checkWritable(); err != nil {
		return err
	}
	return wrapErr(unix.Fchown(fl.fd, uid, gid), "chown", fl.path)
}

// Utimens sets the access and modification times of the open file
// (futimens); unix.UTIME_NOW and unix.UTIME_OMIT work as in utimensat(2).
func (fl *File) Utimens(atime, mtime unix.Timespec) error {
	if err := fl.fs.checkWritable(); err != nil {
		return err
	}
	ts := []unix.Timespec{atime, mtime}
	return wrapErr(unix.UtimesNanoAt(unix.AT_FDCWD, sysx.ProcPath(fl.fd), ts, 0), "utimens", fl.path)
}
