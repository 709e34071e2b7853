package uring

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The FUSE-over-io_uring commands (include/uapi/linux/fuse.h).
const (
	cmdRegister    = 1
	cmdCommitFetch = 2
)

var ne = binary.NativeEndian

// entry is one ring entry: a header buffer and a payload buffer the
// kernel copies requests into and replies out of.
type entry struct {
	hdr, payload []byte
	unique       uint64 // of the request the entry holds
	in           [3][]byte
	out          [2][]byte
	name         [nameBytes]byte // GETXATTR's name, which the reply overwrites
}

// queue serves one kernel queue (one CPU) from one locked OS thread.
type queue struct {
	qid   int
	devFD int
	h     Handler
	r     *ring
	buf   *buffers
	ents  []entry
	iovs  []unix.Iovec // two per entry, read by the kernel at REGISTER
	dead  int
	onErr func(error)
	stats *Stats      // shared by the queues
	intr  *interrupts // shared by the queues and the /dev/fuse reader

	wake    waker
	workers sync.WaitGroup // handed-off requests not yet finished
}

// newQueue allocates the buffers of depth entries of payload bytes each.
func newQueue(qid, devFD, depth, payload int, h Handler) (*queue, error) {
	payload = (payload + 4095) &^ 4095
	buf, err := mapBuffers(depth, payload)
	if err != nil {
		return nil, fmt.Errorf("buffers of queue %d: %w", qid, err)
	}
	ents, iovs, err := buf.entries(depth)
	if err != nil {
		buf.unmap()
		return nil, fmt.Errorf("buffers of queue %d: %w", qid, err)
	}
	q := &queue{qid: qid, devFD: devFD, h: h, buf: buf, ents: ents, iovs: iovs}
	q.wake.buf = buf.wake
	return q, nil
}

// run pins the calling goroutine's thread to cpu, registers every entry
// and answers requests until the connection ends. ready receives nil
// once the entries are registered, or the reason they are not.
func (q *queue) run(cpu int, ready chan<- error) {
	runtime.LockOSThread() // never unlocked: the thread ends with us
	defer q.buf.unmap()
	var set unix.CPUSet
	set.Set(cpu)
	unix.SchedSetaffinity(0, &set) // best effort: an offline CPU sends nothing
	if err := q.wake.open(); err != nil {
		ready <- err
		return
	}
	defer q.wake.close()
	r, err := newRing(uint32(2 * len(q.ents)))
	if err != nil {
		ready <- err
		return
	}
	q.r = r
	defer r.close()
	// Handed-off requests write into the entries' buffers: wait for
	// them before the ring and the buffers go.
	defer q.workers.Wait()
	for i := range q.ents {
		q.prep(i, cmdRegister, 0)
	}
	q.wake.arm(q.r)
	q.loop(ready)
}

// loop submits, waits and serves. The first pass only submits the
// registrations: a failed one completes at once with its error.
func (q *queue) loop(ready chan<- error) {
	first := true
	for q.dead < len(q.ents) {
		var wait uint32 = 1
		if first {
			wait = 0
		}
		if err := q.r.enter(wait); err != nil {
			if first {
				ready <- err
			} else {
				q.onErr(err)
			}
			return
		}
		failed := q.reapAll()
		q.commitFinished()
		if first {
			first = false
			if failed != nil {
				ready <- fmt.Errorf("register queue %d: %w", q.qid, failed)
				return
			}
			ready <- nil
		} else if failed != nil && !connGone(failed) {
			q.onErr(fmt.Errorf("queue %d: %w", q.qid, failed))
		}
	}
}

// reapAll serves every completed fetch and returns the first error a
// completion carried.
func (q *queue) reapAll() error {
	var failed error
	q.r.reap(func(c cqe) {
		if c.data == wakeTag {
			q.wake.fired = true
			return
		}
		if c.res < 0 {
			q.dead++
			if failed == nil {
				failed = unix.Errno(-c.res)
			}
			return
		}
		q.serve(int(c.data))
	})
	return failed
}

// connGone tells the errors of a connection that was unmounted or
// aborted, which end a queue quietly.
func connGone(err error) bool {
	return errors.Is(err, unix.ENOTCONN) || errors.Is(err, unix.ECONNABORTED) ||
		errors.Is(err, unix.ECANCELED) || errors.Is(err, unix.ENODEV)
}

// commit queues the reply of entry i, which also fetches its next
// request.
func (q *queue) commit(i int) {
	q.prep(i, cmdCommitFetch, q.ents[i].unique)
	q.stats.Served.Add(1)
}

// prep queues an IORING_OP_URING_CMD for entry i.
func (q *queue) prep(i int, cmd uint32, commitID uint64) {
	// Never nil: the ring has twice as many SQEs as entries, and one
	// pass queues at most one command per entry plus the wake-up read.
	s := q.r.sqe()
	s[0] = opURingCmd
	ne.PutUint32(s[4:], uint32(q.devFD))
	ne.PutUint32(s[8:], cmd)
	ne.PutUint64(s[16:], uint64(uintptr(unsafe.Pointer(&q.iovs[2*i]))))
	ne.PutUint32(s[24:], 2)
	ne.PutUint64(s[32:], uint64(i))
	ne.PutUint64(s[sqeCmdOffset+8:], commitID)
	ne.PutUint16(s[sqeCmdOffset+16:], uint16(q.qid))
}

// Stats counts what the queues did.
type Stats struct {
	// Served is the number of requests answered over the ring.
	Served atomic.Uint64
	// HandedOff is how many of them were answered on a goroutine of
	// their own.
	HandedOff atomic.Uint64
}
