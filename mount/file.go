package mount

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/cofferfs/cofferfs/fs"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// handle is an open file. It deliberately does not implement
// fusefs.FilePassthroughFder (see the package doc).
type handle struct {
	f *fs.File
	v *vault
	n *node // the file's node, for operations that come without a handle

	// mu guards closing against a borrower (see openHandles.borrow).
	mu     sync.RWMutex
	closed bool

	wrote atomic.Bool // written through: its close is an own change (watch.go)
}

var (
	_ = (fusefs.FileReader)((*handle)(nil))
	_ = (fusefs.FileWriter)((*handle)(nil))
	_ = (fusefs.FileFlusher)((*handle)(nil))
	_ = (fusefs.FileFsyncer)((*handle)(nil))
	_ = (fusefs.FileReleaser)((*handle)(nil))
	_ = (fusefs.FileGetattrer)((*handle)(nil))
	_ = (fusefs.FileAllocater)((*handle)(nil))
	_ = (fusefs.FileLseeker)((*handle)(nil))
)

// Open implements fusefs.NodeOpener.
func (n *node) Open(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	n.v.touch()
	var f *fs.File
	errno := n.byPath(func(p string) syscall.Errno {
		var err error
		if f, err = n.v.fs.Open(p, int(flags)); err != nil {
			if n.movedAway(err) {
				return n.gone() // see identity.go
			}
			return n.v.errno(err)
		}
		if !n.sameIno(f.Ino()) { // see identity.go
			f.Close()
			return n.gone()
		}
		return 0
	})
	if errno != 0 {
		return nil, 0, errno
	}
	return n.v.newHandle(f, n), n.keepCache(f) | noFlush(flags), 0
}

// Create implements fusefs.NodeCreater.
func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, fusefs.FileHandle, uint32, syscall.Errno) {
	n.v.touch()
	n.own(name)
	f, err := n.v.fs.Create(n.child(name), int(flags), mode, n.owner(ctx))
	if err != nil {
		return nil, nil, 0, n.v.errno(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, 0, n.v.errno(err)
	}
	ch := n.inodeFor(ctx, n.child(name), &st, out)
	cn, _ := ch.Operations().(*node)
	if f.Created() {
		cn.markBare()
	}
	return ch, n.v.newHandle(f, cn), 0, 0
}

// Read implements fusefs.FileReader.
func (h *handle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	h.v.touch()
	n, err := h.f.ReadAt(dest, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, h.v.errno(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// Write implements fusefs.FileWriter.
func (h *handle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	h.v.touch()
	h.wrote.Store(true)
	n, err := h.f.WriteAt(data, off)
	return uint32(n), h.v.errno(err)
}

// Flush implements fusefs.FileFlusher: close(2) of a handle open for
// writing waits for its deferred write (write-behind, fs/file_behind.go)
// and returns that write's error. Handles open only for reading are
// opened with FOPEN_NOFLUSH (noFlush), so their close costs no round trip.
func (h *handle) Flush(ctx context.Context) syscall.Errno {
	return h.v.errno(h.f.Flush())
}

// noFlush is FOPEN_NOFLUSH for a handle that cannot write: the kernel
// then sends no FLUSH when it is closed.
func noFlush(flags uint32) uint32 {
	if int(flags)&unix.O_ACCMODE == unix.O_RDONLY {
		return fuse.FOPEN_NOFLUSH
	}
	return 0
}

// Fsync implements fusefs.FileFsyncer.
func (h *handle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	h.v.touch()
	if flags&1 != 0 { // FUSE_FSYNC_FDATASYNC
		return h.v.errno(h.f.Datasync())
	}
	return h.v.errno(h.f.Sync())
}

// Release implements fusefs.FileReleaser.
func (h *handle) Release(ctx context.Context) syscall.Errno {
	h.v.touch()
	if !h.v.open.remove(h) {
		return 0 // closed when the mount went away
	}
	if h.wrote.Load() {
		h.n.ownSelf() // closing it makes an IN_CLOSE_WRITE
	}
	return h.v.errno(h.close())
}

// close closes the file once no borrower uses it.
func (h *handle) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	return h.f.Close()
}

// newHandle wraps an open file and registers it until Release.
func (v *vault) newHandle(f *fs.File, n *node) *handle {
	h := &handle{f: f, v: v, n: n}
	v.open.add(h)
	return h
}

// Getattr implements fusefs.FileGetattrer.
func (h *handle) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	st, err := h.f.Stat()
	if err != nil {
		return h.v.errno(err)
	}
	fillAttr(&out.Attr, &st)
	return 0
}

// Allocate implements fusefs.FileAllocater: mode 0 grows the file like a
// truncate (the new range reads as zeros), FALLOC_FL_KEEP_SIZE succeeds
// without change; other modes are not supported, as in gocryptfs.
func (h *handle) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	h.v.touch()
	switch mode {
	case unix.FALLOC_FL_KEEP_SIZE:
		return 0
	case 0:
		return h.v.errno(h.f.Grow(off + size))
	}
	return syscall.EOPNOTSUPP
}

// Lseek implements fusefs.FileLseeker for SEEK_DATA and SEEK_HOLE.
func (h *handle) Lseek(ctx context.Context, off uint64, whence uint32) (uint64, syscall.Errno) {
	pos, err := h.f.Seek(off, int(whence))
	return pos, h.v.errno(err)
}
