package mount

import (
	"context"
	"sync"
	"syscall"

	"github.com/cofferfs/cofferfs/fs"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// With the backing directories watched (watch.go), the kernel keeps a
// file's pages across opens (FOPEN_KEEP_CACHE) when the file is
// unchanged since its last open: same backing inode, size, mtime and
// ctime. A change a sync client makes also drops the pages at once
// (NotifyContent from the watcher). And it keeps directory listings
// (FOPEN_CACHE_DIR) until the watcher invalidates them or the directory
// changes through the mount.

// openSig is a file's identity and attributes at its last open.
type openSig struct {
	mu  sync.Mutex
	sig [4]int64
}

// swap stores s and reports whether it equals the previous one.
func (o *openSig) swap(s [4]int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	same := o.sig == s && s != [4]int64{}
	o.sig = s
	return same
}

// keepCache returns FOPEN_KEEP_CACHE if f, just opened for n, is
// unchanged since n's last open, else 0.
func (n *node) keepCache(f *fs.File) uint32 {
	if n.v.watch == nil {
		return 0
	}
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	if n.opened.swap([4]int64{int64(st.Ino), st.Size, st.Mtim.Nano(), st.Ctim.Nano()}) {
		return fuse.FOPEN_KEEP_CACHE
	}
	return 0
}

// dirHandle is an open directory: its listing, read at the first
// READDIR, served by offset.
type dirHandle struct {
	n    *node
	ents []fuse.DirEntry
	read bool
	idx  int
}

var (
	_ = (fusefs.NodeOpendirHandler)((*node)(nil))
	_ = (fusefs.FileReaddirenter)((*dirHandle)(nil))
	_ = (fusefs.FileSeekdirer)((*dirHandle)(nil))
)

// OpendirHandle implements fusefs.NodeOpendirHandler: with the watcher
// on, the kernel caches the listing (FOPEN_CACHE_DIR).
func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	n.v.touch()
	var fl uint32
	if n.v.watch != nil {
		fl = fuse.FOPEN_CACHE_DIR
	}
	return &dirHandle{n: n}, fl, 0
}

func (d *dirHandle) load(ctx context.Context) syscall.Errno {
	if d.read {
		return 0
	}
	ds, errno := d.n.Readdir(ctx)
	if errno != 0 {
		return errno
	}
	for ds.HasNext() {
		e, errno := ds.Next()
		if errno != 0 {
			return errno
		}
		d.ents = append(d.ents, e)
	}
	d.read = true
	return 0
}

// Readdirent implements fusefs.FileReaddirenter.
func (d *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	if errno := d.load(ctx); errno != 0 {
		return nil, errno
	}
	if d.idx >= len(d.ents) {
		return nil, 0
	}
	e := d.ents[d.idx]
	d.idx++
	e.Off = uint64(d.idx)
	return &e, 0
}

// Seekdir implements fusefs.FileSeekdirer (offset 0 reads the directory
// again, as rewinddir does).
func (d *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	if off == 0 {
		d.read, d.ents = false, nil
	}
	if errno := d.load(ctx); errno != 0 {
		return errno
	}
	if off > uint64(len(d.ents)) {
		return syscall.EINVAL
	}
	d.idx = int(off)
	return 0
}
