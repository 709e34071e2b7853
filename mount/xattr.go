package mount

import (
	"context"
	"strings"
	"syscall"
	"time"
)

// POSIX ACLs are refused: the mount does not negotiate FUSE_POSIX_ACL,
// so the kernel would store them but never enforce them, and an ACL that
// denies a named user would silently grant that user the "other" bits.
// As on a file system mounted with noacl, setting one fails with
// EOPNOTSUPP and none is shown (ACLs in a vault written by gocryptfs
// -acl stay in the backing directory untouched).
var aclXattrs = map[string]bool{
	"system.posix_acl_access":  true,
	"system.posix_acl_default": true,
}

// markBare records that n has no xattrs (see node.bareUntil).
func (n *node) markBare() {
	n.bareUntil.Store(time.Now().Add(attrTimeout).UnixNano())
}

// bare reports whether n is known to have no xattrs.
func (n *node) bare() bool {
	return time.Now().UnixNano() < n.bareUntil.Load()
}

// Getxattr implements fusefs.NodeGetxattrer.
func (n *node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	n.v.touch()
	if aclXattrs[attr] || n.bare() {
		return 0, syscall.ENODATA
	}
	var val []byte
	if errno := n.byVerifiedPath(func(p string) syscall.Errno {
		var err error
		val, err = n.v.fs.Getxattr(p, attr)
		return n.v.errno(err)
	}); errno != 0 {
		return 0, errno
	}
	return copyOut(dest, val)
}

// Setxattr implements fusefs.NodeSetxattrer.
func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	n.v.touch()
	if aclXattrs[attr] {
		return syscall.EOPNOTSUPP
	}
	n.bareUntil.Store(0)
	n.ownSelf()
	return n.byVerifiedPath(func(p string) syscall.Errno {
		return n.v.errno(n.v.fs.Setxattr(p, attr, data, int(flags)))
	})
}

// Removexattr implements fusefs.NodeRemovexattrer.
func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	n.v.touch()
	if aclXattrs[attr] {
		return syscall.EOPNOTSUPP
	}
	n.bareUntil.Store(0)
	n.ownSelf()
	return n.byVerifiedPath(func(p string) syscall.Errno {
		return n.v.errno(n.v.fs.Removexattr(p, attr))
	})
}

// Listxattr implements fusefs.NodeListxattrer.
func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	n.v.touch()
	if n.bare() {
		return 0, 0
	}
	var names []string
	if errno := n.byVerifiedPath(func(p string) syscall.Errno {
		var err error
		names, err = n.v.fs.Listxattr(p)
		return n.v.errno(err)
	}); errno != 0 {
		return 0, errno
	}
	shown := names[:0:0]
	for _, a := range names {
		if !aclXattrs[a] {
			shown = append(shown, a)
		}
	}
	names = shown
	if len(names) == 0 {
		return 0, 0
	}
	return copyOut(dest, []byte(strings.Join(names, "\x00")+"\x00"))
}

// copyOut follows the xattr size protocol: an empty dest asks for the
// size, a short one gets ERANGE.
func copyOut(dest, val []byte) (uint32, syscall.Errno) {
	if len(dest) == 0 {
		return uint32(len(val)), 0
	}
	if len(dest) < len(val) {
		return uint32(len(val)), syscall.ERANGE
	}
	return uint32(copy(dest, val)), 0
}
