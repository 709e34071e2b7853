package fs

import (
	"path"

	"golang.org/x/sys/unix"
)

// OpenBacking opens, read-only, the backing file named disk in the
// plaintext directory dir, whatever its name decrypts to (or not). It is
// how a key check reads data under names that do not decrypt: content
// authenticates with the content key alone. Only a regular file opens.
func (f *FS) OpenBacking(dir, disk string) (*File, error) {
	d, err := f.openDir(dir)
	if err != nil {
		return nil, err
	}
	defer f.releaseDir(d)
	p := path.Join(dir, disk)
	fd, err := unix.Openat(d.fd, disk, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, wrapErr(err, "open", p)
	}
	fl, err := f.newFile(fd, p, unix.O_RDONLY, 0, nil)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return fl, nil
}
