package fs

import "golang.org/x/sys/unix"

// SyncDir flushes the backing directory of a plaintext directory to
// stable storage, as fsync(2) on a directory does: after it, the
// entries created, renamed or removed in it survive a crash.
func (f *FS) SyncDir(path string) error {
	e, err := f.lookup(path)
	if err != nil {
		return err
	}
	defer e.close()
	fd, err := unix.Openat(e.dir, e.disk, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return wrapErr(err, "fsync", path)
	}
	defer unix.Close(fd)
	return wrapErr(unix.Fsync(fd), "fsync", path)
}
