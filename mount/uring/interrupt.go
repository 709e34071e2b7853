package uring

import (
	"sync"
	"sync/atomic"
	"time"
)

// FUSE_INTERRUPT and the layout of its request.
const (
	opInterrupt   = 36
	interruptSize = inHeaderSize + 8 // struct fuse_interrupt_in: the unique
	// pendingFor is how long an INTERRUPT waits for a ring request that
	// has not reached the handler yet (one stuck behind a slow request
	// on the same queue) before it is dropped.
	pendingFor = 10 * time.Second
)

// retryAfter are the pauses before the tries to deliver an INTERRUPT
// whose request was not in the handler's table: a request that has left
// the ring but not yet entered HandleRequest gets there within
// microseconds.
var retryAfter = []time.Duration{0, time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond, time.Second}

// interrupts delivers the kernel's INTERRUPTs, which arrive on
// /dev/fuse, to requests served on the rings. go-fuse keeps a table of
// the requests its ProtocolServer is running and cancels the context it
// gave the handler when an INTERRUPT names one; the fuse.Server that
// reads /dev/fuse has a table of its own and would answer EAGAIN, which
// the kernel cannot match to a ring request and drops. So the
// INTERRUPT goes to the ring's ProtocolServer. One that comes before
// its request reached the handler is remembered here and tried again
// while the request runs; the queue forgets it once it has answered.
type interrupts struct {
	h Handler
	n atomic.Int32 // len(early), so that requests look without the lock

	mu    sync.Mutex
	early map[uint64]time.Time // request unique -> when its INTERRUPT came
}

func newInterrupts(h Handler) *interrupts {
	return &interrupts{h: h, early: make(map[uint64]time.Time)}
}

// deliver hands the INTERRUPT in req (a whole request as read from
// /dev/fuse) to the handler, and remembers it when the handler does not
// run the request (yet).
func (s *interrupts) deliver(req []byte) {
	if len(req) < interruptSize {
		return
	}
	unique := ne.Uint64(req[inHeaderSize:])
	if s.cancel(req) {
		return
	}
	s.add(unique)
	go s.retry(append([]byte(nil), req[:interruptSize]...), unique)
}

// retry tries again until the request is cancelled, answered by its
// queue, or the tries are over.
func (s *interrupts) retry(req []byte, unique uint64) {
	for _, d := range retryAfter {
		time.Sleep(d)
		if !s.has(unique) {
			return // the queue has answered the request
		}
		if s.cancel(req) {
			s.take(unique)
			return
		}
	}
	// Not found: finished before the INTERRUPT came, or still waiting
	// behind a slow request on its queue. Forget it after a while, so
	// that requests stop looking.
	time.AfterFunc(pendingFor, func() { s.take(unique) })
}

// cancel passes the INTERRUPT to the handler; go-fuse answers nothing
// when it found the request (and cancelled its context), EAGAIN when
// not.
func (s *interrupts) cancel(req []byte) bool {
	var out [outHeaderSize]byte
	n, st := s.h.HandleRequest([][]byte{req}, [][]byte{out[:]})
	return st.Ok() && n == 0
}

func (s *interrupts) add(unique uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for u, t := range s.early {
		if now.Sub(t) > pendingFor {
			delete(s.early, u)
		}
	}
	s.early[unique] = now
	s.n.Store(int32(len(s.early)))
}

func (s *interrupts) has(unique uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.early[unique]
	return ok
}

// take reports whether an INTERRUPT for unique is waiting, and forgets
// it. It costs one atomic load when none is.
func (s *interrupts) take(unique uint64) bool {
	if s.n.Load() == 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.early[unique]
	delete(s.early, unique)
	s.n.Store(int32(len(s.early)))
	return ok
}
