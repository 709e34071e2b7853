package mount

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// Nodes are served by path, and a path can change owner under a
// request: the kernel resolved a name to node N, then another request
// renamed a different object over that name (or exchanged the two)
// before N's request reached the backing directory; until go-fuse has
// moved N in its tree, N's path names the other object. Acting on it
// would open, stat, change or list the wrong file — data and attributes
// of one inode cached by the kernel under another, or a symlink opened as
// a file (EINVAL/ELOOP for a plain open).
//
// So requests that act by path check that the object at the path is
// still N (same backing inode number) and otherwise answer ESTALE (or
// ENOENT, see gone). On ESTALE from a path-based system call (open,
// stat, chmod, readlink, getxattr, ...) the kernel looks the name up
// again and retries once, which makes the request behave as if it came
// after the rename.

// sameObject reports whether st, found at n's path, describes n.
func (n *node) sameObject(st *unix.Stat_t) bool { return n.sameIno(st.Ino) }

// sameIno reports whether backing inode ino, found at n's path, is n.
func (n *node) sameIno(ino uint64) bool {
	return n.IsRoot() || ino == n.StableAttr().Ino
}

// verify returns 0 if the object at n's path is n, else the errno for
// "n is not there" (see gone).
func (n *node) verify() syscall.Errno { return n.verifyAt(n.path()) }

// verifyAt is verify for n's path p.
func (n *node) verifyAt(p string) syscall.Errno {
	st, err := n.v.fs.Stat(p)
	if err != nil || !n.sameObject(&st) {
		return n.gone()
	}
	return 0
}

// gone is the errno for a request whose node is not at its path: ESTALE
// while go-fuse still lists n under the name (the window described
// above), ENOENT once n has no name at all (unlinked, or replaced by a
// rename): the name then belongs to the new object for good, and ENOENT
// is what such a race always gave (and what go-fuse's posixtest expects
// from an open racing a rename).
func (n *node) gone() syscall.Errno {
	if n.orphaned() {
		return syscall.ENOENT
	}
	return syscall.ESTALE
}

// movedAway reports whether err, from acting on n's path, means that the
// object there is not n (any more): nothing, or an object of another
// type than n's (a symlink for a file gives ELOOP, a directory EISDIR,
// a special file EINVAL), or, if a stat of the path says so, another
// object of the same type.
func (n *node) movedAway(err error) bool {
	for _, e := range []error{unix.ENOENT, unix.ENOTDIR, unix.ELOOP, unix.EISDIR, unix.EINVAL} {
		if errors.Is(err, e) {
			return true
		}
	}
	stale := n.verify()
	return stale != 0
}
