package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// node is go-fuse's loopback node with its open calls replaced, so that
// every file handle it gives the kernel is a *handle.
type node struct {
	*fusefs.LoopbackNode
	passthrough bool
}

var (
	_ = (fusefs.NodeWrapChilder)((*node)(nil))
	_ = (fusefs.NodeOpener)((*node)(nil))
	_ = (fusefs.NodeCreater)((*node)(nil))
	_ = (fusefs.NodeTmpfiler)((*node)(nil))
)

// WrapChild implements fusefs.NodeWrapChilder: the loopback nodes that
// LoopbackNode creates for lookups, creates, mkdirs and links become
// *node too.
func (n *node) WrapChild(ctx context.Context, ops fusefs.InodeEmbedder) fusefs.InodeEmbedder {
	if ln, ok := ops.(*fusefs.LoopbackNode); ok {
		return &node{LoopbackNode: ln, passthrough: n.passthrough}
	}
	return ops
}

// wrap turns the loopback file handle fh into one of ours.
func (n *node) wrap(fh fusefs.FileHandle) fusefs.FileHandle {
	lf, ok := fh.(*fusefs.LoopbackFile)
	if !ok {
		// Not a loopback file: refuse rather than risk exposing a
		// passthrough descriptor we did not vet.
		panic(fmt.Sprintf("loopback: unexpected file handle %T", fh))
	}
	h := &handle{lf: lf}
	if n.passthrough {
		return &passthroughHandle{h}
	}
	return h
}

// Open implements fusefs.NodeOpener.
func (n *node) Open(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	fh, fl, errno := n.LoopbackNode.Open(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	return n.wrap(fh), fl, 0
}

// Create implements fusefs.NodeCreater.
func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, fusefs.FileHandle, uint32, syscall.Errno) {
	ch, fh, fl, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	return ch, n.wrap(fh), fl, 0
}

// Tmpfile implements fusefs.NodeTmpfiler.
func (n *node) Tmpfile(ctx context.Context, flags uint32, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, fusefs.FileHandle, uint32, syscall.Errno) {
	ch, fh, fl, errno := n.LoopbackNode.Tmpfile(ctx, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	return ch, n.wrap(fh), fl, 0
}

// counters of the data the daemon itself served.
type counters struct {
	reads, readBytes, writes, writeBytes atomic.Int64
}

func (c *counters) String() string {
	return fmt.Sprintf("loopback-stats reads=%d read_bytes=%d writes=%d write_bytes=%d",
		c.reads.Load(), c.readBytes.Load(), c.writes.Load(), c.writeBytes.Load())
}

var stats counters

// handle forwards to go-fuse's LoopbackFile the operations package mount
// implements for cofferfs's own handles. It is a named field, not an
// embedded one, so that LoopbackFile's PassthroughFd is not promoted: go-fuse
// turns kernel passthrough on for exactly the handles that have it.
type handle struct {
	lf *fusefs.LoopbackFile
}

var (
	_ = (fusefs.FileReader)((*handle)(nil))
	_ = (fusefs.FileWriter)((*handle)(nil))
	_ = (fusefs.FileFlusher)((*handle)(nil))
	_ = (fusefs.FileFsyncer)((*handle)(nil))
	_ = (fusefs.FileReleaser)((*handle)(nil))
	_ = (fusefs.FileGetattrer)((*handle)(nil))
	_ = (fusefs.FileSetattrer)((*handle)(nil))
	_ = (fusefs.FileAllocater)((*handle)(nil))
	_ = (fusefs.FileLseeker)((*handle)(nil))
)

func (h *handle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	res, errno := h.lf.Read(ctx, dest, off)
	if errno == 0 {
		stats.reads.Add(1)
		stats.readBytes.Add(int64(res.Size()))
	}
	return res, errno
}

func (h *handle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	n, errno := h.lf.Write(ctx, data, off)
	stats.writes.Add(1)
	stats.writeBytes.Add(int64(n))
	return n, errno
}

// Flush answers ENOSYS, as cofferfs does: writes are synchronous, and the
// kernel then stops sending FLUSH.
func (h *handle) Flush(ctx context.Context) syscall.Errno { return syscall.ENOSYS }

func (h *handle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	return h.lf.Fsync(ctx, flags)
}

func (h *handle) Release(ctx context.Context) syscall.Errno { return h.lf.Release(ctx) }

func (h *handle) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	return h.lf.Getattr(ctx, out)
}

func (h *handle) Setattr(ctx context.Context, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return h.lf.Setattr(ctx, in, out)
}

func (h *handle) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	return h.lf.Allocate(ctx, off, size, mode)
}

func (h *handle) Lseek(ctx context.Context, off uint64, whence uint32) (uint64, syscall.Errno) {
	return h.lf.Lseek(ctx, off, whence)
}

// passthroughHandle is handle plus PassthroughFd, used only with
// -passthrough to show what kernel passthrough would change.
type passthroughHandle struct{ *handle }

var _ = (fusefs.FilePassthroughFder)((*passthroughHandle)(nil))

func (h *passthroughHandle) PassthroughFd() (int, bool) { return h.lf.PassthroughFd() }
