package mount

import (
	"fmt"
	"log"
	"log/slog"

	"github.com/cofferfs/cofferfs/fs/reverse"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// ReverseServer is a running reverse-mode mount.
type ReverseServer struct {
	srv *fuse.Server
	mnt string
}

// MountReverse serves the read-only ciphertext view v at mountpoint (the
// kernel mount is "ro"; every change fails with EROFS). opts.ReadOnly is
// implied; opts.FsName should be the plain directory.
func MountReverse(v *reverse.View, mountpoint string, opts Options) (*ReverseServer, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts.ReadOnly = true
	timeout := attrTimeout
	mopts := FUSEOptions(opts)
	mopts.DisableSplice = true
	fopts := &fusefs.Options{
		EntryTimeout:    &timeout,
		AttrTimeout:     &timeout,
		NegativeTimeout: &timeout,
		MountOptions:    mopts,
		Logger:          log.New(slogWriter{logger}, "", 0),
	}
	root := &rnode{v: v, log: logger}
	srv, err := Serve(mountpoint, root, fopts)
	if err != nil {
		return nil, fmt.Errorf("mount: %s: %w", mountpoint, err)
	}
	return &ReverseServer{srv: srv, mnt: mountpoint}, nil
}

// Unmount asks the kernel to unmount; it fails with EBUSY while files
// are open on the mount.
func (s *ReverseServer) Unmount() error { return s.srv.Unmount() }

// Wait returns when the mount is gone.
func (s *ReverseServer) Wait() { s.srv.Wait() }

// Mountpoint returns where the view is mounted.
func (s *ReverseServer) Mountpoint() string { return s.mnt }
