package fs

import (
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// xattrObj is a backing object for extended-attribute calls. On Linux
// 6.13 and later it is addressed as (parent directory, leaf name) with
// the *xattrat system calls and AT_SYMLINK_NOFOLLOW: one system call per
// operation. Older kernels get an O_PATH descriptor of the object and
// its /proc path (three system calls, and a procfs path walk), chosen
// once per FS on the first ENOSYS.
type xattrObj struct {
	f    *FS
	e    *entry
	fd   int    // O_PATH descriptor in the fallback, else -1
	proc string // its /proc path
}

// openXattr looks path up for xattr calls; close it after use.
func (f *FS) openXattr(path string) (*xattrObj, error) {
	e, err := f.lookup(path)
	if err != nil {
		return nil, err
	}
	o := &xattrObj{f: f, e: e, fd: -1}
	if f.noXattrAt.Load() {
		if err := o.fallback(); err != nil {
			e.close()
			return nil, err
		}
	}
	return o, nil
}

// fallback switches o to an O_PATH descriptor and its /proc path.
func (o *xattrObj) fallback() error {
	if o.fd >= 0 {
		return nil
	}
	fd, err := unix.Openat(o.e.dir, o.e.disk, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return wrapErr(err, "open", o.e.path)
	}
	o.fd, o.proc = fd, sysx.ProcPath(fd)
	return nil
}

func (o *xattrObj) close() {
	if o.fd >= 0 {
		unix.Close(o.fd)
	}
	o.e.close()
}

// call runs at (the *xattrat form) unless o is on the fallback; on
// ENOSYS it switches o (and the FS, for good) to the fallback. There it
// runs proc.
func (o *xattrObj) call(at, proc func() (int, error)) (int, error) {
	if o.fd < 0 {
		n, err := at()
		if err != unix.ENOSYS {
			return n, err
		}
		o.f.noXattrAt.Store(true)
		if err := o.fallback(); err != nil {
			return 0, err
		}
	}
	return proc()
}

// get reads the value of the stored name into buf, as getxattr(2).
func (o *xattrObj) get(name string, buf []byte) (int, error) {
	return o.call(
		func() (int, error) { return sysx.Getxattrat(o.e.dir, o.e.disk, name, buf) },
		func() (int, error) { return unix.Getxattr(o.proc, name, buf) })
}

// list reads the stored names into buf, as listxattr(2).
func (o *xattrObj) list(buf []byte) (int, error) {
	return o.call(
		func() (int, error) { return sysx.Listxattrat(o.e.dir, o.e.disk, buf) },
		func() (int, error) { return unix.Listxattr(o.proc, buf) })
}
