package uring

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// Kernel files the probe and Start read. EnableParam is the switch an
// administrator turns on (echo Y > EnableParam, or options fuse
// enable_uring=1 in /etc/modprobe.d).
const (
	EnableParam   = "/sys/module/fuse/parameters/enable_uring"
	disabledParam = "/proc/sys/kernel/io_uring_disabled"
	possibleCPUs  = "/sys/devices/system/cpu/possible"
)

// DefaultDepth is the number of ring entries per queue: requests a CPU
// can have in the daemon at once before the kernel queues them.
const DefaultDepth = 4

// registerTimeout bounds how long Start waits for the queues to
// register; the mount is unusable (requests wait for the ring) until
// they have.
const registerTimeout = 10 * time.Second

// Handler answers one FUSE request given as a byte stream in `in` and
// writes the reply, out header first, into `out`, returning its length.
// go-fuse's fuse.ProtocolServer is one.
type Handler interface {
	HandleRequest(in, out [][]byte) (int, fuse.Status)
}

// ErrUnavailable wraps every reason the kernel cannot serve a mount over
// io_uring.
var ErrUnavailable = errors.New("FUSE over io_uring unavailable")

// Probe reports why the kernel cannot serve FUSE requests over io_uring,
// or nil when it can: the fuse module's enable_uring parameter must be
// on, io_uring must not be disabled, and a ring with 128-byte SQEs must
// be creatable by this process (seccomp, io_uring_group).
func Probe() error {
	b, err := os.ReadFile(EnableParam)
	if err != nil {
		return fmt.Errorf("%w: the kernel has no FUSE over io_uring (%s missing)", ErrUnavailable, EnableParam)
	}
	if v := strings.TrimSpace(string(b)); v != "Y" && v != "1" {
		return fmt.Errorf("%w: %s is %s (enable it with: echo Y > %s)", ErrUnavailable, EnableParam, v, EnableParam)
	}
	if b, err := os.ReadFile(disabledParam); err == nil && strings.TrimSpace(string(b)) == "2" {
		return fmt.Errorf("%w: io_uring is disabled (kernel.io_uring_disabled=2)", ErrUnavailable)
	}
	r, err := newRing(2)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	r.close()
	return nil
}

// Queues returns the number of kernel queues of a connection: one per
// possible CPU.
func Queues() (int, error) {
	b, err := os.ReadFile(possibleCPUs)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, part := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		z := a
		var err2 error
		if isRange {
			z, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || z < a {
			return 0, fmt.Errorf("%s: cannot parse %q", possibleCPUs, b)
		}
		n = max(n, z+1)
	}
	return n, nil
}

// Config describes the connection a Transport serves.
type Config struct {
	// DevFD is the /dev/fuse descriptor of a connection whose INIT
	// reply accepted FUSE_OVER_IO_URING.
	DevFD int
	// Handler answers the requests.
	Handler Handler
	// Depth is the number of entries per queue (DefaultDepth if 0).
	Depth int
	// Payload is the size of an entry's payload buffer: at least the
	// connection's max_write and max_pages pages.
	Payload int
	// OnError receives errors that end a queue while the connection
	// lives; nil drops them.
	OnError func(error)
}

// Transport is a running set of queue threads, one per CPU, and the
// reader of what still comes over /dev/fuse (FORGET, INTERRUPT).
type Transport struct {
	fd    int
	wg    sync.WaitGroup
	stats Stats
	intr  *interrupts
}

// Start registers one queue per CPU on the connection and serves them,
// each from its own OS thread pinned to its CPU. It returns once every
// queue is registered, or with the reason one is not; then the caller
// must abort the connection, since the kernel holds requests until all
// queues are ready.
func Start(cfg Config) (*Transport, error) {
	n, err := Queues()
	if err != nil {
		return nil, err
	}
	if cfg.Depth <= 0 {
		cfg.Depth = DefaultDepth
	}
	if cfg.OnError == nil {
		cfg.OnError = func(error) {}
	}
	fd, err := unix.FcntlInt(uintptr(cfg.DevFD), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("dup /dev/fuse: %w", err)
	}
	t := &Transport{fd: fd, intr: newInterrupts(cfg.Handler)}
	ready := make(chan error, n)
	for qid := 0; qid < n; qid++ {
		q, err := newQueue(qid, fd, cfg.Depth, cfg.Payload, cfg.Handler)
		if err != nil {
			ready <- err
			continue
		}
		q.onErr, q.stats, q.intr = cfg.OnError, &t.stats, t.intr
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			q.run(qid, ready)
		}()
	}
	// /dev/fuse is read only once the rings serve; on a failed
	// registration the caller aborts the connection instead.
	serve := make(chan bool, 1)
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		if <-serve {
			serveDev(fd, cfg.Handler, t.intr, cfg.Payload)
		}
	}()
	go func() { t.wg.Wait(); unix.Close(fd) }()
	err = waitReady(ready, n)
	serve <- err == nil
	return t, err
}

// waitReady collects the registration result of n queues.
func waitReady(ready <-chan error, n int) error {
	deadline := time.After(registerTimeout)
	for i := 0; i < n; i++ {
		select {
		case err := <-ready:
			if err != nil {
				return err
			}
		case <-deadline:
			return fmt.Errorf("queues not registered after %v", registerTimeout)
		}
	}
	return nil
}

// Wait blocks until every queue thread and the /dev/fuse reader have
// ended, which happens when the connection is unmounted or aborted.
func (t *Transport) Wait() { t.wg.Wait() }

// Served returns how many requests the queues have answered.
func (t *Transport) Served() uint64 { return t.stats.Served.Load() }

// HandedOff returns how many of them were answered on goroutines of
// their own (large READs, fsyncs).
func (t *Transport) HandedOff() uint64 { return t.stats.HandedOff.Load() }
