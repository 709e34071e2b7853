package mount

import (
	"context"
	"strings"
	"syscall"
)

// Getxattr implements fusefs.NodeGetxattrer.
func (n *node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	n.v.touch()
	val, err := n.v.fs.Getxattr(n.path(), attr)
	if err != nil {
		return 0, n.v.errno(err)
	}
	return copyOut(dest, val)
}

// Setxattr implements fusefs.NodeSetxattrer.
func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	n.v.touch()
	return n.v.errno(n.v.fs.Setxattr(n.path(), attr, data, int(flags)))
}

// Removexattr implements fusefs.NodeRemovexattrer.
func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	n.v.touch()
	return n.v.errno(n.v.fs.Removexattr(n.path(), attr))
}

// Listxattr implements fusefs.NodeListxattrer.
func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	n.v.touch()
	names, err := n.v.fs.Listxattr(n.path())
	if err != nil {
		return 0, n.v.errno(err)
	}
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
