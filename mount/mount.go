package mount

import (
	"fmt"
	"log"
	"log/slog"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/cofferfs/cofferfs/fs"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Default FUSE parameters.
const (
	// DefaultMaxWrite is the largest read or write request the kernel
	// sends. 1 MiB (the kernel's limit) makes a sequential write one
	// request per MiB instead of eight; the blocks of a request are
	// sealed on all cores.
	DefaultMaxWrite = 1 << 20
	// DefaultCacheTimeout is how long the kernel caches attributes,
	// entries and negative lookups (a name that does not exist) unless
	// the mount asks for more: 1 s, with no watcher, so what a sync
	// client changes shows within a second. A longer timeout (30 s, say)
	// turns the watcher on (watch.go): changes are invalidated when they
	// happen, and repeated walks of a tree are answered from the cache.
	DefaultCacheTimeout = time.Second
	// unwatchedTimeout is the cache timeout without the watcher: the
	// staleness a sync client's change can show.
	unwatchedTimeout = time.Second
	// attrTimeout bounds caches of the mount's own that no watcher
	// invalidates (node.bareUntil).
	attrTimeout = time.Second
	// minProcs is the GOMAXPROCS a mounting process gets at least. The
	// FUSE readers spend their time blocked in read(2) on /dev/fuse; with
	// more Ps than cores, one that returns with a request finds an idle P
	// at once instead of passing the request to another thread. Measured
	// on 2 cores: untar and small-file creation 5-13% faster than with
	// GOMAXPROCS=2; crypto stays one worker per core (fs.forBlocks).
	minProcs = 8
)

// Options configure a mount.
type Options struct {
	// FsName is shown as the source in /proc/mounts (the cipherdir).
	FsName string
	// ReadOnly mounts read-only.
	ReadOnly bool
	// AllowOther lets other users access the mount (FUSE allow_other).
	AllowOther bool
	// NoXattr turns extended attributes off (as gocryptfs -noxattr): the
	// kernel stops asking after the first call, which saves the round
	// trips of its security.capability probes and of ls -l's ACL and
	// SELinux queries. Setting one fails with EOPNOTSUPP.
	NoXattr bool
	// NoExec forbids running programs from the mount (MS_NOEXEC).
	NoExec bool
	// NoAtime and NoDiratime are the VFS flags MS_NOATIME and
	// MS_NODIRATIME. A mount is always nosuid and nodev.
	NoAtime, NoDiratime bool
	// Debug logs every FUSE request.
	Debug bool
	// Logger receives errors and corruption reports; nil discards them.
	Logger *slog.Logger
	// Transport is how requests reach the daemon: TransportAuto (also
	// ""), TransportURing or TransportDev (see transport.go).
	Transport string
	// ringPayload overrides the ring entries' payload size (tests only,
	// see export_test.go).
	ringPayload int
	// CacheTimeout is how long the kernel caches names and attributes
	// (0: DefaultCacheTimeout; negative: not at all). Up to 1 s the
	// backing directories are not watched and the kernel keeps no file
	// pages or listings across opens; above it they are, and what a sync
	// client changes shows at once.
	CacheTimeout time.Duration
}

// Server is a running mount.
type Server struct {
	srv  *served
	v    *vault
	mnt  string
	fsys *fs.FS
}

// Mount serves fsys at mountpoint and returns once the kernel has the
// mount. As root it mounts directly (go-fuse DirectMount) and falls back
// to fusermount3; otherwise it uses fusermount3. With the io_uring
// transport (opts.Transport, root only) it mounts /dev/fuse itself and
// registers the kernel's queues before it returns. It raises the process's
// GOMAXPROCS to at least 8 (see minProcs).
func Mount(fsys *fs.FS, mountpoint string, opts Options) (*Server, error) {
	if err := CheckTransport(opts.Transport); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	v := newVault(fsys, logger)
	root := &node{v: v}
	v.root = root.EmbeddedInode()
	timeout := opts.CacheTimeout
	switch {
	case timeout == 0:
		timeout = DefaultCacheTimeout
	case timeout < 0:
		timeout = 0
	}
	if timeout > unwatchedTimeout {
		w, err := newWatcher(v)
		if err != nil {
			logger.Warn("cannot watch the backing directory; names and attributes are cached for 1 s only", "err", err)
			timeout = unwatchedTimeout
		}
		v.watch = w
	}
	mopts := FUSEOptions(opts)
	if !mopts.DirectMount && opts.NoDiratime && !opts.NoAtime {
		return nil, fmt.Errorf("mount: %s: fusermount3 does not accept nodiratime (only a root mount does); noatime covers directories too", mountpoint)
	}
	// Replies carry decrypted bytes, never a backing descriptor, so
	// go-fuse's splice attempt (a pipe, a header written into it, then
	// the fall-back to writev) is pure cost: 21% of the daemon's CPU in
	// 4k random reads (pprof).
	mopts.DisableSplice = true
	fopts := &fusefs.Options{
		EntryTimeout:    &timeout,
		AttrTimeout:     &timeout,
		NegativeTimeout: &timeout,
		MountOptions:    mopts,
		// Mode 0 is a mode like any other (open(O_CREAT, 0), chmod 0):
		// go-fuse would show it as 0644 or 0755.
		NullPermissions: true,
		Logger:          log.New(slogWriter{logger}, "", 0),
	}
	srv, err := serveTransport(mountpoint, root, fopts, opts.Transport, opts.ringPayload, logger)
	if err != nil {
		v.watch.close()
		return nil, fmt.Errorf("mount: %s: %w", mountpoint, err)
	}
	v.watch.add(root, "")
	if os.Geteuid() == 0 {
		if err := TuneReadahead(mountpoint, ReadaheadKB); err != nil {
			logger.Warn("cannot raise the read-ahead window (reads stay correct, only slower)", "err", err)
		}
	}
	return &Server{srv: srv, v: v, mnt: mountpoint, fsys: fsys}, nil
}

// Serve mounts root like fusefs.Mount, with the killPrivFS layer between
// go-fuse's node bridge and the server, and raises GOMAXPROCS to at
// least 8 (see minProcs). The benchmark's loopback baseline uses it too,
// so both speak the same protocol.
func Serve(mountpoint string, root fusefs.InodeEmbedder, opts *fusefs.Options) (*fuse.Server, error) {
	raiseProcs()
	srv, err := fuse.NewServer(rawFS(root, opts), mountpoint, &opts.MountOptions)
	if err != nil {
		return nil, err
	}
	go srv.Serve()
	if err := srv.WaitMount(); err != nil {
		srv.Unmount()
		return nil, err
	}
	return srv, nil
}

// raiseProcs raises GOMAXPROCS to at least minProcs.
func raiseProcs() {
	if runtime.GOMAXPROCS(0) < minProcs {
		runtime.GOMAXPROCS(minProcs)
	}
}

// rawFS is go-fuse's node bridge for root behind the killPrivFS layer.
// A vault's root also gets the renameFS layer (renames.go).
func rawFS(root fusefs.InodeEmbedder, opts *fusefs.Options) fuse.RawFileSystem {
	var raw fuse.RawFileSystem = killPrivFS{RawFileSystem: fusefs.NewNodeFS(root, opts), root: os.Geteuid() == 0}
	if n, ok := root.(*node); ok {
		raw = renameFS{RawFileSystem: raw, r: &n.v.renames}
	}
	return raw
}

// FUSEOptions returns the go-fuse mount options of a mount with opts.
//
// Without allow_other only the mounting user reaches the mount, and the
// daemon's own access to the backing files decides (as gocryptfs does);
// default_permissions would make the kernel fetch the parent
// directory's attributes before every create after a change (one more
// round trip per file). With allow_other the kernel checks modes.
func FUSEOptions(opts Options) fuse.MountOptions {
	mo := fuse.MountOptions{
		FsName:               opts.FsName,
		Name:                 "cofferfs",
		AllowOther:           opts.AllowOther,
		MaxWrite:             DefaultMaxWrite,
		DirectMount:          os.Geteuid() == 0,
		Debug:                opts.Debug,
		IgnoreSecurityLabels: true,
		ExtraCapabilities:    fuse.CAP_HANDLE_KILLPRIV_V2, // see killPrivFS
		DisableXAttrs:        opts.NoXattr,
	}
	if opts.AllowOther {
		// Other users reach the mount: the kernel checks mode bits.
		mo.Options = append(mo.Options, "default_permissions")
	}
	if opts.ReadOnly {
		mo.Options = append(mo.Options, "ro")
	}
	mo.DirectMountFlags, mo.Options = vfsFlags(opts, mo.DirectMount, mo.Options)
	return mo
}

// vfsFlags returns the mount(2) flags of opts, and adds the option
// strings fusermount3 needs for them to list. Set-ID bits and device
// nodes are never honoured: modes and owners in a synced folder are not
// authenticated. A direct mount (root) takes the atime flags as flags
// only (the kernel refuses them as strings), so a fall-back to
// fusermount3 then mounts without them. fusermount3 knows noatime but
// not nodiratime (which noatime covers; Mount refuses it alone).
func vfsFlags(opts Options, direct bool, list []string) (uintptr, []string) {
	flags := uintptr(syscall.MS_NOSUID | syscall.MS_NODEV)
	list = append(list, "nosuid", "nodev")
	if opts.ReadOnly {
		flags |= syscall.MS_RDONLY
	}
	if opts.NoExec {
		flags |= syscall.MS_NOEXEC
		list = append(list, "noexec")
	}
	if opts.NoAtime {
		flags |= syscall.MS_NOATIME
		if !direct {
			list = append(list, "noatime")
		}
	}
	if opts.NoDiratime {
		flags |= syscall.MS_NODIRATIME
	}
	return flags, list
}

// Unmount asks the kernel to unmount; it fails with EBUSY while files are
// open on the mount. On success the mount is gone and no backing file is
// held open any more.
func (s *Server) Unmount() error {
	if err := s.srv.unmount(); err != nil {
		return err
	}
	s.v.watch.close()
	s.v.open.closeAll()
	return nil
}

// Wait blocks until the mount is gone (unmounted by anyone), then closes
// the backing files of handles whose release the kernel never sent.
func (s *Server) Wait() {
	s.srv.wait()
	s.v.watch.close()
	s.v.open.closeAll()
}

// Transport returns the transport the mount uses: TransportURing or
// TransportDev.
func (s *Server) Transport() string { return s.srv.transport }

// RingRequests returns how many requests the io_uring queues have
// answered (0 over /dev/fuse).
func (s *Server) RingRequests() uint64 {
	if s.srv.ring == nil {
		return 0
	}
	return s.srv.ring.Served()
}

// Mountpoint returns the directory the vault is mounted on.
func (s *Server) Mountpoint() string { return s.mnt }

// Idle reports how long no operation has reached the mount, and whether
// no file is open.
func (s *Server) Idle() (time.Duration, bool) {
	last := time.Unix(0, s.v.last.Load())
	return time.Since(last), s.fsys.OpenFiles() == 0
}

// slogWriter sends go-fuse's log lines to a slog.Logger.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Warn(string(trimNL(p)), "src", "go-fuse")
	return len(p), nil
}

func trimNL(p []byte) []byte {
	for len(p) > 0 && p[len(p)-1] == '\n' {
		p = p[:len(p)-1]
	}
	return p
}
