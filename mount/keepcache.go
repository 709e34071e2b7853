package mount

import (
	"sync"

	"github.com/cofferfs/cofferfs/fs"
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
