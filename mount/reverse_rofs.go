package mount

import (
	"context"
	"syscall"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Every change to a reverse view fails with EROFS (never ENOSYS, which
// would make the kernel stop asking).

// Setattr is EROFS.
func (n *rnode) Setattr(ctx context.Context, f fusefs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}

// Create is EROFS.
func (n *rnode) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, fusefs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EROFS
}

// Mkdir is EROFS.
func (n *rnode) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Mknod is EROFS.
func (n *rnode) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Symlink is EROFS.
func (n *rnode) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Link is EROFS.
func (n *rnode) Link(ctx context.Context, target fusefs.InodeEmbedder, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Unlink is EROFS.
func (n *rnode) Unlink(ctx context.Context, name string) syscall.Errno { return syscall.EROFS }

// Rmdir is EROFS.
func (n *rnode) Rmdir(ctx context.Context, name string) syscall.Errno { return syscall.EROFS }

// Rename is EROFS.
func (n *rnode) Rename(ctx context.Context, name string, newParent fusefs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return syscall.EROFS
}

// Setxattr is EROFS.
func (n *rnode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	return syscall.EROFS
}

// Removexattr is EROFS.
func (n *rnode) Removexattr(ctx context.Context, attr string) syscall.Errno { return syscall.EROFS }

// Getxattr: the view has no extended attributes (as gocryptfs 2.3).
func (n *rnode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return 0, syscall.Errno(fuse.ENOATTR)
}

// Listxattr: no extended attributes.
func (n *rnode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) { return 0, 0 }
