package mount

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cofferfs/cofferfs/fs"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// vault is the state every node of one mount shares.
type vault struct {
	fs      *fs.FS
	log     *slog.Logger
	root    *fusefs.Inode
	asRoot  bool         // the daemon is root: new entries get the caller's owner
	last    atomic.Int64 // time of the last operation, unix nanoseconds
	open    openHandles  // handles not yet released
	watch   *watcher     // nil when the backing directories are not watched
	renames renames      // RENAMEs in flight (renames.go)
}

func (v *vault) touch() { v.last.Store(time.Now().UnixNano()) }

func (v *vault) errno(err error) syscall.Errno { return errno(v.log, err) }

// owner returns the owner of a new entry in directory n when the daemon
// is root: the caller's uid, and the caller's gid unless n is
// set-group-ID, in which case the entry takes n's group, as on a local
// file system. (A non-root daemon leaves both to the backing file system.)
func (n *node) owner(ctx context.Context) *fs.Owner {
	if !n.v.asRoot {
		return nil
	}
	c, ok := fuse.FromContext(ctx)
	if !ok {
		return nil
	}
	o := &fs.Owner{UID: c.Uid, GID: c.Gid}
	if st, err := n.v.fs.Stat(n.path()); err == nil && st.Mode&unix.S_ISGID != 0 {
		o.GID = st.Gid
	}
	return o
}

// node is one file, directory, symlink or special file of the view.
type node struct {
	fusefs.Inode
	v *vault

	// bareUntil (Unix nanoseconds): until then the node is known to have
	// no xattrs, because it was made through the mount and none has been
	// set since. The kernel asks for security.capability before the first
	// write and before every chown; this answers without touching the
	// backing file. Bounded like the attribute cache, for the changes a
	// sync client makes behind the mount.
	bareUntil atomic.Int64

	wd     atomic.Int32 // inotify watch of a directory's backing directory
	opened openSig      // a file's attributes at its last open (keepcache.go)
}

func newVault(fsys *fs.FS, log *slog.Logger) *vault {
	v := &vault{fs: fsys, log: log, asRoot: os.Geteuid() == 0}
	v.renames.init()
	v.touch()
	return v
}

// path returns the node's plaintext path relative to the vault root.
func (n *node) path() string { return n.Path(n.v.root) }

// child returns the plaintext path of name inside n.
func (n *node) child(name string) string {
	if p := n.path(); p != "" {
		return p + "/" + name
	}
	return name
}

// newChild stats the plaintext path p and returns its inode, filling out.
func (n *node) newChild(ctx context.Context, p string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	st, err := n.v.fs.Stat(p)
	if err != nil {
		return nil, n.v.errno(err)
	}
	return n.inodeFor(ctx, p, &st, out), 0
}

// inodeFor returns the inode of attributes st found at plaintext path p,
// filling out.
func (n *node) inodeFor(ctx context.Context, p string, st *unix.Stat_t, out *fuse.EntryOut) *fusefs.Inode {
	fillAttr(&out.Attr, st)
	stable := fusefs.StableAttr{Mode: st.Mode & unix.S_IFMT, Ino: st.Ino}
	ch := n.NewInode(ctx, &node{v: n.v}, stable)
	if cn, ok := ch.Operations().(*node); ok && stable.Mode == unix.S_IFDIR {
		n.v.watch.add(cn, p)
	}
	return ch
}

// own marks name in n as changed through the mount (see watch.go).
func (n *node) own(name string) { n.v.watch.mark(n, name) }

// ownSelf marks n's own name as changed through the mount.
func (n *node) ownSelf() {
	if name, p := n.Parent(); p != nil {
		if pn, ok := p.Operations().(*node); ok {
			pn.own(name)
		}
	}
}

// API checks: the operations a node implements.
var (
	_ = (fusefs.NodeLookuper)((*node)(nil))
	_ = (fusefs.NodeGetattrer)((*node)(nil))
	_ = (fusefs.NodeSetattrer)((*node)(nil))
	_ = (fusefs.NodeMkdirer)((*node)(nil))
	_ = (fusefs.NodeRmdirer)((*node)(nil))
	_ = (fusefs.NodeCreater)((*node)(nil))
	_ = (fusefs.NodeOpener)((*node)(nil))
	_ = (fusefs.NodeUnlinker)((*node)(nil))
	_ = (fusefs.NodeRenamer)((*node)(nil))
	_ = (fusefs.NodeLinker)((*node)(nil))
	_ = (fusefs.NodeSymlinker)((*node)(nil))
	_ = (fusefs.NodeReadlinker)((*node)(nil))
	_ = (fusefs.NodeMknoder)((*node)(nil))
	_ = (fusefs.NodeStatfser)((*node)(nil))
	_ = (fusefs.NodeGetxattrer)((*node)(nil))
	_ = (fusefs.NodeSetxattrer)((*node)(nil))
	_ = (fusefs.NodeListxattrer)((*node)(nil))
	_ = (fusefs.NodeRemovexattrer)((*node)(nil))
	_ = (fusefs.NodeFsyncer)((*node)(nil))
)

// Lookup implements fusefs.NodeLookuper.
func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	n.v.touch()
	return n.newChild(ctx, n.child(name), out)
}

// Getattr implements fusefs.NodeGetattrer. With an open handle it asks
// the handle, so a file that was unlinked while open still answers.
func (n *node) Getattr(ctx context.Context, fh fusefs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.v.touch()
	var st unix.Stat_t
	if h, ok := fh.(*handle); ok {
		var err error
		if st, err = h.f.Stat(); err != nil {
			return n.v.errno(err)
		}
	} else if errno := n.byPath(func(p string) syscall.Errno {
		var err error
		if st, err = n.v.fs.Stat(p); err != nil {
			return n.v.errno(err)
		}
		if !n.sameObject(&st) {
			return n.gone() // see identity.go
		}
		return 0
	}); errno != 0 {
		return errno
	}
	fillAttr(&out.Attr, &st)
	return 0
}

// Statfs implements fusefs.NodeStatfser.
func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	st, err := n.v.fs.Statfs()
	if err != nil {
		return n.v.errno(err)
	}
	out.Blocks, out.Bfree, out.Bavail = st.Blocks, st.Bfree, st.Bavail
	out.Files, out.Ffree = st.Files, st.Ffree
	out.Bsize, out.Frsize = uint32(st.Bsize), uint32(st.Frsize)
	out.NameLen = uint32(st.Namelen)
	return 0
}

// Fsync implements fusefs.NodeFsyncer for files and directories
// (FSYNCDIR): a directory's backing directory is fsynced, so that what was
// created, renamed or removed in it is durable, as fsync(2) promises. A
// directory that is gone (removed while open) has nothing left to sync.
func (n *node) Fsync(ctx context.Context, fh fusefs.FileHandle, flags uint32) syscall.Errno {
	n.v.touch()
	if h, ok := fh.(*handle); ok {
		return h.Fsync(ctx, flags)
	}
	if n.StableAttr().Mode&unix.S_IFMT != unix.S_IFDIR {
		return 0
	}
	err := n.v.fs.SyncDir(n.path())
	if errors.Is(err, unix.ENOENT) {
		return 0
	}
	return n.v.errno(err)
}
