package uring

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// wakeTag is the user data of the wake-up read's completions.
const wakeTag = 1 << 63

// waker brings finished hand-offs back to the queue thread, the only
// one that may submit on its ring (IORING_SETUP_SINGLE_ISSUER; the
// kernel also runs the ring's completions in that thread only,
// IORING_SETUP_DEFER_TASKRUN). A finished request goes on a list; the
// first one after the queue thread last looked also writes an eventfd,
// on which the ring keeps a read pending, so the thread returns from
// io_uring_enter and commits what is on the list.
type waker struct {
	fd      int
	buf     []byte      // 8 bytes the read fills, outside the Go heap
	pending atomic.Bool // the eventfd was written and the read has not been seen
	fired   bool        // the read completed (queue thread only)

	mu       sync.Mutex
	finished []int
	spare    []int
}

func (w *waker) open() error {
	// Blocking, so that io_uring polls it instead of failing the read
	// with EAGAIN; a write blocks only when the counter would overflow.
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("eventfd: %w", err)
	}
	w.fd = fd
	return nil
}

func (w *waker) close() { unix.Close(w.fd) }

// arm queues the read of the eventfd on r.
func (w *waker) arm(r *ring) {
	s := r.sqe()
	s[0] = opRingRead
	ne.PutUint32(s[4:], uint32(w.fd))
	ne.PutUint64(s[16:], uint64(uintptr(unsafe.Pointer(&w.buf[0]))))
	ne.PutUint32(s[24:], 8)
	ne.PutUint64(s[32:], wakeTag)
}

// rearm queues the read again after it fired. pending is cleared
// first: a request that finishes after it writes the eventfd again, and
// one that finished before is on the list the caller takes next.
func (w *waker) rearm(r *ring) {
	w.fired = false
	w.pending.Store(false)
	w.arm(r)
}

// finish puts entry i on the list of finished hand-offs and wakes the
// queue thread unless a wake-up is already on its way.
func (w *waker) finish(i int) {
	w.mu.Lock()
	w.finished = append(w.finished, i)
	w.mu.Unlock()
	if !w.pending.Swap(true) {
		var one [8]byte
		ne.PutUint64(one[:], 1)
		unix.Write(w.fd, one[:])
	}
}

// take returns the finished entries and empties the list. The slice is
// valid until the next call.
func (w *waker) take() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.finished) == 0 {
		return nil
	}
	w.finished, w.spare = w.spare[:0], w.finished
	return w.spare
}
