package mount

import (
	"context"
	"syscall"

	"github.com/cofferfs/cofferfs/fs"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// dirHandle is an open directory. Its listing is read at the first
// READDIR(PLUS) and keeps the backing directory open, so that the
// attributes READDIRPLUS wants for each entry are one fstatat on the
// backing name the listing found (no path walk, no name encryption).
// With the watcher on, the kernel caches the listing (FOPEN_CACHE_DIR)
// until the watcher invalidates it or the directory changes through
// the mount.
type dirHandle struct {
	n   *node
	l   *fs.Listing
	idx int // entries handed out
}

var (
	_ = (fusefs.NodeOpendirHandler)((*node)(nil))
	_ = (fusefs.FileReaddirenter)((*dirHandle)(nil))
	_ = (fusefs.FileSeekdirer)((*dirHandle)(nil))
	_ = (fusefs.FileLookuper)((*dirHandle)(nil))
	_ = (fusefs.FileReleasedirer)((*dirHandle)(nil))
)

// OpendirHandle implements fusefs.NodeOpendirHandler.
func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	n.v.touch()
	var fl uint32
	if n.v.watch != nil {
		fl = fuse.FOPEN_CACHE_DIR
	}
	return &dirHandle{n: n}, fl, 0
}

// load lists the directory once, checking that the backing directory
// listed is still n's (see identity.go).
func (d *dirHandle) load() syscall.Errno {
	if d.l != nil {
		return 0
	}
	d.n.v.touch()
	l, err := d.n.v.fs.OpenListing(d.n.path())
	if err != nil {
		if errno := d.n.verify(); errno != 0 {
			return errno // see identity.go
		}
		return d.n.v.errno(err)
	}
	if !d.n.IsRoot() {
		if ino, err := l.Ino(); err != nil || !d.n.sameIno(ino) {
			l.Close()
			return d.n.gone()
		}
	}
	d.l = l
	return 0
}

// Readdirent implements fusefs.FileReaddirenter.
func (d *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	if errno := d.load(); errno != 0 {
		return nil, errno
	}
	if d.idx >= len(d.l.Entries) {
		return nil, 0
	}
	e := d.l.Entries[d.idx]
	d.idx++
	return &fuse.DirEntry{Name: e.Name, Mode: e.Type, Ino: e.Ino, Off: uint64(d.idx)}, 0
}

// Seekdir implements fusefs.FileSeekdirer; offset 0 lists the directory
// again, as rewinddir(3) expects.
func (d *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	if off == 0 {
		d.Releasedir(ctx, 0)
	}
	if errno := d.load(); errno != 0 {
		return errno
	}
	if off > uint64(len(d.l.Entries)) {
		return syscall.EINVAL
	}
	d.idx = int(off)
	return 0
}

// Lookup implements fusefs.FileLookuper: the entry READDIRPLUS just
// produced, stat'ed by its backing name; anything else goes the normal
// way.
func (d *dirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	i := d.idx - 1
	if d.l == nil || i < 0 || i >= len(d.l.Entries) || d.l.Entries[i].Name != name {
		return d.n.Lookup(ctx, name, out)
	}
	st, err := d.l.Stat(i)
	if err != nil {
		return d.n.Lookup(ctx, name, out) // gone or changed since the listing
	}
	var p string
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		p = d.n.child(name) // for the watch
	}
	return d.n.inodeFor(ctx, p, &st, out), 0
}

// Releasedir implements fusefs.FileReleasedirer.
func (d *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	if d.l != nil {
		d.l.Close()
		d.l = nil
	}
	d.idx = 0
}
