package mount

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cofferfs/cofferfs/fs/reverse"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// rnode is one path of a reverse-mode view; the paths of a hard link
// are different nodes with the same inode number (see viewGen).
type rnode struct {
	fusefs.Inode
	r      *rview
	path   string  // view path, "" for the root
	opened openSig // the plain file's version at the last open
}

// rview is what the nodes of one reverse mount share: the view, the
// logger and the activity the idle lock and status read.
type rview struct {
	v    *reverse.View
	log  *slog.Logger
	last atomic.Int64 // time of the latest request, Unix nanoseconds
	open atomic.Int64 // files open on the mount
}

// touch records a request.
func (r *rview) touch() { r.last.Store(time.Now().UnixNano()) }

var (
	_ fusefs.NodeLookuper   = (*rnode)(nil)
	_ fusefs.NodeGetattrer  = (*rnode)(nil)
	_ fusefs.NodeReaddirer  = (*rnode)(nil)
	_ fusefs.NodeOpener     = (*rnode)(nil)
	_ fusefs.NodeReader     = (*rnode)(nil)
	_ fusefs.NodeReadlinker = (*rnode)(nil)
	_ fusefs.NodeStatfser   = (*rnode)(nil)
)

// viewGen derives a node's generation from its view path: the view's
// inode numbers are gocryptfs's (fs/reverse/inomap.go), which the paths
// of a hard link share, and the generation keeps one node per path, so
// that each node keeps the path it was looked up through.
func viewGen(path string) uint64 {
	h := sha256.Sum256([]byte(path))
	return binary.BigEndian.Uint64(h[:8])
}

// stableIno is the node's inode number: the view's, unless go-fuse
// reserves it (1 is the root's), then one derived from the path.
func stableIno(path string, ino uint64) uint64 {
	if ino == 1 || ino == 0 || ino == ^uint64(0) {
		return viewGen(path) | 2
	}
	return ino
}

func (n *rnode) child(name string) string {
	if n.path == "" {
		return name
	}
	return n.path + "/" + name
}

func (n *rnode) errno(err error) syscall.Errno { return errno(n.r.log, err) }

// fillViewAttr copies a view stat into a FUSE attribute.
func fillViewAttr(path string, st *unix.Stat_t, out *fuse.Attr) {
	fillAttr(out, st)
	out.Ino = stableIno(path, st.Ino)
}

// Lookup resolves an encrypted name.
func (n *rnode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	n.r.touch()
	p := n.child(name)
	st, err := n.r.v.Stat(p)
	if err != nil {
		return nil, n.errno(err)
	}
	fillViewAttr(p, &st, &out.Attr)
	c := &rnode{r: n.r, path: p}
	return n.NewInode(ctx, c, fusefs.StableAttr{Mode: st.Mode & unix.S_IFMT, Ino: stableIno(p, st.Ino), Gen: viewGen(p)}), 0
}

// Getattr returns the view attributes.
func (n *rnode) Getattr(ctx context.Context, f fusefs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.r.touch()
	st, err := n.r.v.Stat(n.path)
	if err != nil {
		return n.errno(err)
	}
	fillViewAttr(n.path, &st, &out.Attr)
	return 0
}

// Readdir lists the view directory.
func (n *rnode) Readdir(ctx context.Context) (fusefs.DirStream, syscall.Errno) {
	n.r.touch()
	ents, err := n.r.v.ReadDir(n.path)
	if err != nil {
		return nil, n.errno(err)
	}
	out := make([]fuse.DirEntry, len(ents))
	for i, e := range ents {
		out[i] = fuse.DirEntry{Name: e.Name, Mode: e.Type, Ino: e.Ino}
	}
	return fusefs.NewListDirStream(out), 0
}

// Open opens a view file read-only; any write access is EROFS.
func (n *rnode) Open(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC) != 0 {
		return nil, 0, syscall.EROFS
	}
	n.r.touch()
	f, err := n.r.v.Open(n.path)
	if err != nil {
		return nil, 0, n.errno(err)
	}
	n.r.open.Add(1)
	return &rfile{f: f, r: n.r}, n.keepCache(f), 0
}

// keepCache returns FOPEN_KEEP_CACHE if the plain file of f, just
// opened, is the version n's last open had, else 0: the kernel then
// drops the pages it has, which came from that other version (kept,
// they would make a view mixing two versions, whose blocks straddling
// a page boundary do not even authenticate).
func (n *rnode) keepCache(f *reverse.File) uint32 {
	if n.opened.swap(f.Signature()) {
		return fuse.FOPEN_KEEP_CACHE
	}
	return 0
}

// Read reads through the open view file.
func (n *rnode) Read(ctx context.Context, fh fusefs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n.r.touch()
	rf, ok := fh.(*rfile)
	if !ok {
		return nil, syscall.EBADF
	}
	k, err := rf.f.ReadAt(dest, off)
	if err != nil && k == 0 && !errors.Is(err, io.EOF) {
		return nil, n.errno(err)
	}
	return fuse.ReadResultData(dest[:k]), 0
}

// Readlink returns the encrypted target.
func (n *rnode) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	n.r.touch()
	t, err := n.r.v.Readlink(n.path)
	if err != nil {
		return nil, n.errno(err)
	}
	return []byte(t), 0
}

// Statfs reports the plain directory's file system.
func (n *rnode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	var st unix.Statfs_t
	if err := n.r.v.Statfs(&st); err != nil {
		return n.errno(err)
	}
	out.Blocks, out.Bfree, out.Bavail = st.Blocks, st.Bfree, st.Bavail
	out.Files, out.Ffree = st.Files, st.Ffree
	out.Bsize, out.Frsize = uint32(st.Bsize), uint32(st.Frsize)
	out.NameLen = uint32(st.Namelen)
	return 0
}

// rfile is an open view file.
type rfile struct {
	f *reverse.File
	r *rview
}

var _ fusefs.FileReleaser = (*rfile)(nil)

// Release closes the plain file.
func (r *rfile) Release(ctx context.Context) syscall.Errno {
	r.f.Close()
	r.r.open.Add(-1)
	r.r.touch()
	return 0
}
