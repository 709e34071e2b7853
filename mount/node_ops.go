package mount

import (
	"context"
	"syscall"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// Mkdir implements fusefs.NodeMkdirer.
func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	n.v.touch()
	n.own(name)
	p := n.child(name)
	if err := n.v.fs.Mkdir(p, mode, n.owner(ctx)); err != nil {
		return nil, n.v.errno(err)
	}
	return n.newChild(ctx, p, out)
}

// Rmdir implements fusefs.NodeRmdirer.
func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	n.v.touch()
	n.own(name)
	return n.v.errno(n.v.fs.Rmdir(n.child(name)))
}

// Unlink implements fusefs.NodeUnlinker.
func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	n.v.touch()
	n.own(name)
	return n.v.errno(n.v.fs.Unlink(n.child(name)))
}

// Rename implements fusefs.NodeRenamer (flags: RENAME_NOREPLACE,
// RENAME_EXCHANGE).
func (n *node) Rename(ctx context.Context, name string, newParent fusefs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	n.v.touch()
	n.own(name)
	if pn, ok := newParent.(*node); ok {
		pn.own(newName)
	}
	np := newParent.EmbeddedInode().Path(n.v.root)
	to := newName
	if np != "" {
		to = np + "/" + newName
	}
	return n.v.errno(n.v.fs.Rename(n.child(name), to, uint(flags)))
}

// Link implements fusefs.NodeLinker.
func (n *node) Link(ctx context.Context, target fusefs.InodeEmbedder, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	n.v.touch()
	n.own(name)
	p := n.child(name)
	tn, ok := target.(*node)
	if !ok {
		return nil, syscall.EXDEV
	}
	// The kernel names the source by node: make sure its path still
	// holds it (see identity.go).
	if errno := tn.byVerifiedPath(func(from string) syscall.Errno {
		return n.v.errno(n.v.fs.Link(from, p))
	}); errno != 0 {
		return nil, errno
	}
	return n.newChild(ctx, p, out)
}

// Symlink implements fusefs.NodeSymlinker.
func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	n.v.touch()
	n.own(name)
	p := n.child(name)
	if err := n.v.fs.Symlink(target, p, n.owner(ctx)); err != nil {
		return nil, n.v.errno(err)
	}
	return n.newChild(ctx, p, out)
}

// Readlink implements fusefs.NodeReadlinker.
func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	n.v.touch()
	var t string
	errno := n.byVerifiedPath(func(p string) syscall.Errno {
		var err error
		if t, err = n.v.fs.Readlink(p); err != nil {
			if n.movedAway(err) {
				return n.gone()
			}
			return n.v.errno(err)
		}
		return 0
	})
	if errno != 0 {
		return nil, errno
	}
	return []byte(t), 0
}

// Mknod implements fusefs.NodeMknoder.
func (n *node) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	n.v.touch()
	n.own(name)
	p := n.child(name)
	if err := n.v.fs.Mknod(p, mode, uint64(dev), n.owner(ctx)); err != nil {
		return nil, n.v.errno(err)
	}
	return n.newChild(ctx, p, out)
}

// Setattr implements fusefs.NodeSetattrer: size, mode, owner and times,
// then the resulting attributes.
//
// A file that is open takes its changes through one of its handles
// (fchmod, fchown, futimens): no path lookup and no identity check, and a
// file that was unlinked while open has no path any more anyway. A size
// change without a handle (truncate by path) goes by path unless the file
// is unlinked, since the borrowed handle may be read-only.
func (n *node) Setattr(ctx context.Context, fh fusefs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	n.v.touch()
	n.ownSelf()
	_, sized := in.GetSize()
	if _, ok := fh.(*handle); !ok && (!sized || n.orphaned()) {
		if h := n.v.open.borrow(n); h != nil {
			defer h.mu.RUnlock()
			fh = h
		}
	}
	if err := n.setattr(fh, in); err != nil {
		return n.v.errno(err)
	}
	return n.Getattr(ctx, fh, out)
}

// orphaned reports whether n has no name left (unlinked while in use).
func (n *node) orphaned() bool {
	_, p := n.Parent()
	return p == nil && !n.IsRoot()
}

func (n *node) setattr(fh fusefs.FileHandle, in *fuse.SetAttrIn) error {
	h, isH := fh.(*handle)
	if isH {
		return n.setattrAt(h, "", in)
	}
	var err error
	errno := n.byVerifiedPath(func(p string) syscall.Errno {
		err = n.setattrAt(nil, p, in)
		return 0
	})
	if errno != 0 {
		return errno
	}
	return err
}

// setattrAt applies in through h, or by path p when h is nil.
func (n *node) setattrAt(h *handle, p string, in *fuse.SetAttrIn) error {
	isH := h != nil
	if size, ok := in.GetSize(); ok {
		var err error
		if isH {
			err = h.f.Truncate(size)
		} else {
			err = n.v.fs.Truncate(p, size)
		}
		if err != nil {
			return err
		}
	}
	if mode, ok := in.GetMode(); ok {
		var err error
		if isH {
			err = h.f.Chmod(mode)
		} else {
			err = n.v.fs.Chmod(p, mode)
		}
		if err != nil {
			return err
		}
	}
	uid, uok := in.GetUID()
	gid, gok := in.GetGID()
	if uok || gok {
		u, g := -1, -1
		if uok {
			u = int(uid)
		}
		if gok {
			g = int(gid)
		}
		var err error
		if isH {
			err = h.f.Chown(u, g)
		} else {
			err = n.v.fs.Chown(p, u, g)
		}
		if err != nil {
			return err
		}
	}
	return n.setTimes(h, p, in)
}

// setTimes applies atime/mtime, with UTIME_NOW and UTIME_OMIT, through h
// if it is not nil, else by path.
func (n *node) setTimes(h *handle, p string, in *fuse.SetAttrIn) error {
	if in.Valid&(fuse.FATTR_ATIME|fuse.FATTR_MTIME|fuse.FATTR_ATIME_NOW|fuse.FATTR_MTIME_NOW) == 0 {
		return nil
	}
	ts := func(set, now uint32, sec uint64, nsec uint32) unix.Timespec {
		switch {
		case in.Valid&now != 0:
			return unix.Timespec{Nsec: unix.UTIME_NOW}
		case in.Valid&set != 0:
			return unix.Timespec{Sec: int64(sec), Nsec: int64(nsec)}
		}
		return unix.Timespec{Nsec: unix.UTIME_OMIT}
	}
	a := ts(fuse.FATTR_ATIME, fuse.FATTR_ATIME_NOW, in.Atime, in.Atimensec)
	m := ts(fuse.FATTR_MTIME, fuse.FATTR_MTIME_NOW, in.Mtime, in.Mtimensec)
	if h != nil {
		return h.f.Utimens(a, m)
	}
	return n.v.fs.Utimens(p, a, m)
}
