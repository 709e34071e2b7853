package mount

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/cofferfs/cofferfs/fs/reverse"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
)

// ReverseServer is a running reverse-mode mount.
type ReverseServer struct {
	srv *served
	r   *rview
	mnt string
}

// MountReverse serves the read-only ciphertext view v at mountpoint (the
// kernel mount is "ro"; every change fails with EROFS). opts.ReadOnly is
// implied; opts.FsName should be the plain directory. Transport,
// AllowOther, NoExec, NoAtime, NoDiratime and Debug apply as in Mount;
// the view has no extended attributes, and the kernel caches names and
// attributes for 1 s (CacheTimeout is ignored: nothing would invalidate
// a longer cache when a plain file changes).
func MountReverse(v *reverse.View, mountpoint string, opts Options) (*ReverseServer, error) {
	if err := CheckTransport(opts.Transport); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts.ReadOnly = true
	timeout := attrTimeout
	mopts := FUSEOptions(opts)
	if !mopts.DirectMount && opts.NoDiratime && !opts.NoAtime {
		return nil, fmt.Errorf("mount: %s: fusermount3 does not accept nodiratime (only a root mount does); noatime covers directories too", mountpoint)
	}
	mopts.DisableSplice = true
	fopts := &fusefs.Options{
		EntryTimeout:    &timeout,
		AttrTimeout:     &timeout,
		NegativeTimeout: &timeout,
		MountOptions:    mopts,
		Logger:          log.New(slogWriter{logger}, "", 0),
	}
	r := &rview{v: v, log: logger}
	r.touch()
	srv, err := serveTransport(mountpoint, &rnode{r: r}, fopts, opts.Transport, opts.ringPayload, logger)
	if err != nil {
		return nil, fmt.Errorf("mount: %s: %w", mountpoint, err)
	}
	if os.Geteuid() == 0 {
		if err := TuneReadahead(mountpoint, ReadaheadKB); err != nil {
			logger.Warn("cannot raise the read-ahead window (reads stay correct, only slower)", "err", err)
		}
	}
	return &ReverseServer{srv: srv, r: r, mnt: mountpoint}, nil
}

// Unmount asks the kernel to unmount; it fails with EBUSY while files
// are open on the mount.
func (s *ReverseServer) Unmount() error { return s.srv.unmount() }

// Wait returns when the mount is gone.
func (s *ReverseServer) Wait() { s.srv.wait() }

// Mountpoint returns where the view is mounted.
func (s *ReverseServer) Mountpoint() string { return s.mnt }

// Transport returns the transport the mount uses: TransportURing or
// TransportDev.
func (s *ReverseServer) Transport() string { return s.srv.transport }

// Idle reports how long no operation has reached the mount, and whether
// no file is open.
func (s *ReverseServer) Idle() (time.Duration, bool) {
	return time.Since(time.Unix(0, s.r.last.Load())), s.r.open.Load() == 0
}

// OpenFiles returns how many files are open on the mount.
func (s *ReverseServer) OpenFiles() int { return int(s.r.open.Load()) }

// IdleLock unmounts s once no operation has reached it for idle and no
// file is open, as Server.IdleLock does.
func (s *ReverseServer) IdleLock(ctx context.Context, idle time.Duration) {
	idleLock(ctx, idle, s.Idle, s.Unmount, s.r.log, s.mnt)
}
