package mount

import (
	"log/slog"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
)

// Served is a node tree other than a vault served over a chosen
// transport: the benchmark's go-fuse loopback uses it, so that the
// baseline speaks over the same transport as the cofferfs mount it is
// compared with.
type Served struct{ s *served }

// ServeOver mounts root at mountpoint over transport (TransportAuto,
// TransportURing or TransportDev), with the killPrivFS layer and
// GOMAXPROCS raise of Serve. A fall-back of auto to /dev/fuse is
// logged on logger (nil: not logged).
func ServeOver(mountpoint string, root fusefs.InodeEmbedder, opts *fusefs.Options, transport string, logger *slog.Logger) (*Served, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s, err := serveTransport(mountpoint, root, opts, transport, 0, logger)
	if err != nil {
		return nil, err
	}
	return &Served{s: s}, nil
}

// Unmount unmounts; it fails with EBUSY while files are open.
func (s *Served) Unmount() error { return s.s.unmount() }

// Wait blocks until the mount is gone and its request loops have ended.
func (s *Served) Wait() { s.s.wait() }

// Transport returns TransportURing or TransportDev.
func (s *Served) Transport() string { return s.s.transport }
