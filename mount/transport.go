package mount

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/internal/mountinfo"
	"github.com/cofferfs/cofferfs/mount/uring"
)

// Transport names: how the kernel's FUSE requests reach the daemon.
const (
	// TransportAuto uses io_uring when the kernel offers it and
	// /dev/fuse otherwise (the default).
	TransportAuto = "auto"
	// TransportURing serves the mount over io_uring or fails.
	TransportURing = "uring"
	// TransportDev reads and answers requests on /dev/fuse.
	TransportDev = "dev"
)

// CheckTransport reports whether name is a transport name ("" is auto).
func CheckTransport(name string) error {
	switch name {
	case "", TransportAuto, TransportURing, TransportDev:
		return nil
	}
	return fmt.Errorf("unknown transport %q (want auto, uring or dev)", name)
}

// served is a running FUSE server with the transport it uses.
type served struct {
	srv       *fuse.Server
	ring      *uring.Transport // nil over /dev/fuse
	mnt       string           // set when cofferfs did mount(2) itself
	transport string
	end       sync.Once // over io_uring: srv's final Serve (see wait)
}

// serveTransport mounts root at mountpoint over the transport asked for.
// auto falls back to /dev/fuse with one log line saying why.
// ringPayload, when not 0, replaces the payload size of the ring
// entries (tests use a size the kernel refuses, to fail a registration).
func serveTransport(mountpoint string, root fusefs.InodeEmbedder, opts *fusefs.Options, want string, ringPayload int, logger *slog.Logger) (*served, error) {
	if want == TransportDev {
		return serveDev(mountpoint, root, opts)
	}
	err := uringUsable()
	if err == nil {
		var s *served
		if s, err = serveURing(mountpoint, root, opts, ringPayload); err == nil {
			return s, nil
		}
	}
	if want == TransportURing {
		return nil, fmt.Errorf("io_uring transport: %w", err)
	}
	logger.Info("serving over /dev/fuse, not io_uring", "reason", err.Error())
	return serveDev(mountpoint, root, opts)
}

// uringUsable is uring.Probe plus what cofferfs's plumbing needs: root,
// since it calls mount(2) itself to keep the /dev/fuse descriptor.
func uringUsable() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: the io_uring transport needs root", uring.ErrUnavailable)
	}
	return uring.Probe()
}

func serveDev(mountpoint string, root fusefs.InodeEmbedder, opts *fusefs.Options) (*served, error) {
	srv, err := Serve(mountpoint, root, opts)
	if err != nil {
		return nil, err
	}
	return &served{srv: srv, transport: TransportDev}, nil
}

// serveURing mounts with its own /dev/fuse descriptor, accepts
// FUSE_OVER_IO_URING in INIT and registers the queues. If anything
// fails after INIT it aborts the connection and unmounts, so that no
// half-registered mount is left waiting for its ring.
func serveURing(mountpoint string, root fusefs.InodeEmbedder, opts *fusefs.Options, ringPayload int) (*served, error) {
	raiseProcs()
	raiseGCPercent()
	mo := opts.MountOptions
	mo.ExtraCapabilities |= fuse.CAP_OVER_IO_URING
	mo.DirectMount = false
	fd, err := mountOwn(mountpoint, &mo)
	if err != nil {
		return nil, err
	}
	raw := rawFS(root, opts)
	srv, err := fuse.NewServer(raw, "/dev/fd/"+strconv.Itoa(fd), &mo)
	if err != nil {
		abortConn(mountpoint)
		return nil, err
	}
	ring, err := startRing(srv, raw, &mo, fd, ringPayload, opts)
	if err != nil {
		abortConn(mountpoint)
		return nil, err
	}
	// srv does not serve while the mount lives: the ring transport
	// reads /dev/fuse itself, so that INTERRUPTs reach the requests on
	// the rings (see wait). srv writes the node bridge's notifications.
	if err := pollHack(mountpoint); err != nil {
		abortConn(mountpoint)
		return nil, err
	}
	return &served{srv: srv, ring: ring, mnt: mountpoint, transport: TransportURing}, nil
}

// ringGCPercent is the GC target of a daemon serving over io_uring.
// go-fuse's ProtocolServer allocates about 0.9 KiB per request (its
// request struct and a channel; the /dev/fuse Server reuses them), 41%
// of the bytes allocated during an untar, so the collector ran 95 times
// in an untar of Go's source tree against about 30 over /dev/fuse. At 200
// it runs 39 times, the daemon uses 7-9% less CPU on untar and small
// files, and its peak RSS grows by about 7 MiB (alternated pairs). Over
// /dev/fuse the same setting measured no gain, so it is left alone.
const ringGCPercent = 200

// raiseGCPercent sets ringGCPercent unless GOGC says otherwise or the
// target is already higher.
func raiseGCPercent() {
	if os.Getenv("GOGC") != "" {
		return
	}
	if old := debug.SetGCPercent(ringGCPercent); old > ringGCPercent || old < 0 {
		debug.SetGCPercent(old)
	}
}

// pollHackName is the file go-fuse answers specially so that the
// kernel learns at once that the mount does not implement poll.
const pollHackName = ".go-fuse-epoll-hack"

// pollHack does what go-fuse's WaitMount does for mounts it made: it
// makes the kernel send one POLL, answered ENOSYS, so that it never
// sends another. Without it, the Go runtime's epoll_ctl on a file of
// this process's own mount (os.Open registers files with the poller)
// would wait for a POLL reply while holding its P, and a queue thread
// returning with that request would wait for a P during a GC
// stop-the-world: a deadlock (seen in TestPermissionsAsOtherUser).
func pollHack(mountpoint string) error {
	fd, err := unix.Open(mountpoint+"/"+pollHackName, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("poll probe: %w", err)
	}
	unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN | unix.POLLPRI | unix.POLLOUT}}, 0)
	unix.Close(fd)
	return nil
}

// startRing checks that INIT agreed on io_uring, primes a
// ProtocolServer with the same INIT and starts the queues.
func startRing(srv *fuse.Server, raw fuse.RawFileSystem, mo *fuse.MountOptions, fd, payload int, opts *fusefs.Options) (*uring.Transport, error) {
	ks := srv.KernelSettings()
	if ks.Flags64()&fuse.CAP_OVER_IO_URING == 0 {
		return nil, fmt.Errorf("%w: the kernel did not offer it in INIT", uring.ErrUnavailable)
	}
	ps := fuse.NewProtocolServer(raw, mo)
	if err := primeInit(ps, ks); err != nil {
		return nil, err
	}
	if payload == 0 {
		payload = max(mo.MaxWrite, 8192)
	}
	logf := func(err error) { opts.Logger.Printf("io_uring queue ended: %v", err) }
	return uring.Start(uring.Config{DevFD: fd, Handler: ps, Payload: payload, OnError: logf})
}

// primeInit feeds the kernel's INIT request to ps, so that it negotiates
// what the fuse.Server answered, and checks the flag.
func primeInit(ps *fuse.ProtocolServer, ks *fuse.InitIn) error {
	in := *ks
	in.Length = uint32(unsafe.Sizeof(in))
	in.Opcode = 26 // FUSE_INIT
	in.Unique = 1
	b := unsafe.Slice((*byte)(unsafe.Pointer(&in)), unsafe.Sizeof(in))
	out := make([]byte, 4096)
	n, st := ps.HandleRequest([][]byte{b}, [][]byte{out})
	hdr := int(unsafe.Sizeof(fuse.OutHeader{}))
	if !st.Ok() || n < hdr+int(unsafe.Sizeof(fuse.InitOut{})) {
		return fmt.Errorf("io_uring transport: priming INIT: %v (%d bytes)", st, n)
	}
	io := (*fuse.InitOut)(unsafe.Pointer(&out[hdr]))
	if io.Flags64()&fuse.CAP_OVER_IO_URING == 0 {
		return errors.New("io_uring transport: INIT reply without FUSE_OVER_IO_URING")
	}
	return nil
}

// vfsOption returns the mount(2) flag of a VFS option that may stand in
// MountOptions.Options (for fusermount3), if o is one.
func vfsOption(o string) (uintptr, bool) {
	switch o {
	case "ro":
		return syscall.MS_RDONLY, true
	case "nosuid":
		return syscall.MS_NOSUID, true
	case "nodev":
		return syscall.MS_NODEV, true
	case "noexec":
		return syscall.MS_NOEXEC, true
	case "noatime":
		return syscall.MS_NOATIME, true
	}
	return 0, false
}

// mountOwn opens /dev/fuse and mounts it at mountpoint as go-fuse's
// direct mount does, returning the descriptor.
func mountOwn(mountpoint string, mo *fuse.MountOptions) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(mountpoint, &st); err != nil {
		return -1, err
	}
	fd, err := unix.Open("/dev/fuse", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	data := []string{
		"fd=" + strconv.Itoa(fd),
		fmt.Sprintf("rootmode=%o", st.Mode&unix.S_IFMT),
		"user_id=" + strconv.Itoa(os.Geteuid()),
		"group_id=" + strconv.Itoa(os.Getegid()),
		"max_read=" + strconv.Itoa(mo.MaxWrite),
	}
	flags := uintptr(syscall.MS_NOSUID | syscall.MS_NODEV)
	if mo.DirectMountFlags != 0 {
		flags = mo.DirectMountFlags
	}
	for _, o := range mo.Options {
		// The VFS options fusermount3 needs as strings are flags here:
		// the FUSE mount data refuses them (EINVAL).
		if f, ok := vfsOption(o); ok {
			flags |= f
			continue
		}
		data = append(data, o)
	}
	if mo.AllowOther {
		data = append(data, "allow_other")
	}
	src := mo.FsName
	if src == "" {
		src = mo.Name
	}
	if err := unix.Mount(src, mountpoint, "fuse."+mo.Name, flags, strings.Join(data, ",")); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("mount: %w", err)
	}
	return fd, nil
}

// abortConn ends the FUSE connection of a mount this process made
// (fusectl's abort, mounting fusectl first if needed) and detaches the
// mount. The descriptor is left to go-fuse's Server, whose file closes
// it when collected: closing it here could close a reused number later.
func abortConn(mountpoint string) {
	const conns = "/sys/fs/fuse/connections"
	if ents, _ := os.ReadDir(conns); len(ents) == 0 {
		unix.Mount("fusectl", conns, "fusectl", 0, "")
	}
	if minor, ok := connectionID(mountpoint); ok {
		os.WriteFile(conns+"/"+minor+"/abort", []byte("1"), 0)
	}
	unix.Unmount(mountpoint, unix.MNT_DETACH)
}

// connectionID returns the fusectl connection number of the FUSE mount
// at mountpoint: the minor of its device in /proc/self/mountinfo, read
// without asking the mount anything.
func connectionID(mountpoint string) (string, bool) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	id := ""
	for sc.Scan() {
		a := strings.Fields(sc.Text())
		if len(a) > 4 && mountinfo.Unescape(a[4]) == mountpoint {
			_, minor, _ := strings.Cut(a[2], ":")
			id = minor // the last mount at the path is the top one
		}
	}
	return id, id != ""
}

// unmount unmounts a mount cofferfs made itself, retrying briefly as
// go-fuse does while the kernel still counts released files.
func (s *served) unmount() error {
	if s.mnt == "" {
		return s.srv.Unmount()
	}
	var err error
	delay := time.Duration(0)
	for try := 0; try < 5; try++ {
		if err = unix.Unmount(s.mnt, 0); err == nil {
			break
		}
		delay = 2*delay + 5*time.Millisecond
		time.Sleep(delay)
	}
	if err != nil {
		return err
	}
	s.wait()
	return nil
}

// wait blocks until the connection is gone and every loop has ended.
func (s *served) wait() {
	if s.ring == nil {
		s.srv.Wait()
		return
	}
	s.ring.Wait()
	// The connection is gone, so srv's loop reads ENODEV at once and
	// does what ends a mount: close srv's descriptor, tell the node
	// bridge (OnUnmount).
	s.end.Do(s.srv.Serve)
}
