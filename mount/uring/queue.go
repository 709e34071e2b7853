package uring

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// Layout of a ring entry's header buffer (struct fuse_uring_req_header)
// and the FUSE-over-io_uring commands (include/uapi/linux/fuse.h).
const (
	hdrOpIn        = 128 // per-opcode header (the request's first argument)
	hdrEnt         = 256 // struct fuse_uring_ent_in_out
	hdrSize        = 288
	hdrStride      = 512
	inHeaderSize   = 40
	outHeaderSize  = 16
	cmdRegister    = 1
	cmdCommitFetch = 2
	opGetXattr     = 22
)

var ne = binary.NativeEndian

// entry is one ring entry: a header buffer and a payload buffer the
// kernel copies requests into and replies out of.
type entry struct {
	hdr, payload []byte
	in           [3][]byte // reused request iovecs
}

// queue serves one kernel queue (one CPU) from one locked OS thread.
type queue struct {
	qid   int
	devFD int
	h     Handler
	r     *ring
	ents  []entry
	iovs  []unix.Iovec // two per entry, read by the kernel at REGISTER
	mem   []byte
	dead  int
	onErr func(error)
	count *atomic.Uint64 // requests served, shared by the queues
}

// newQueue allocates the buffers of depth entries of payload bytes each.
func newQueue(qid, devFD, depth, payload int, h Handler) (*queue, error) {
	payload = (payload + 4095) &^ 4095
	mem, err := unix.Mmap(-1, 0, depth*(payload+hdrStride), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("buffers of queue %d: %w", qid, err)
	}
	q := &queue{qid: qid, devFD: devFD, h: h, mem: mem, ents: make([]entry, depth), iovs: make([]unix.Iovec, 2*depth)}
	hdrs := mem[depth*payload:]
	for i := range q.ents {
		e := &q.ents[i]
		e.payload = mem[i*payload : (i+1)*payload]
		e.hdr = hdrs[i*hdrStride : i*hdrStride+hdrSize]
		q.iovs[2*i].Base, q.iovs[2*i+1].Base = &e.hdr[0], &e.payload[0]
		q.iovs[2*i].SetLen(hdrSize)
		q.iovs[2*i+1].SetLen(payload)
	}
	return q, nil
}

// run pins the calling goroutine's thread to cpu, registers every entry
// and answers requests until the connection ends. ready receives nil
// once the entries are registered, or the reason they are not.
func (q *queue) run(cpu int, ready chan<- error) {
	runtime.LockOSThread() // never unlocked: the thread ends with us
	defer unix.Munmap(q.mem)
	var set unix.CPUSet
	set.Set(cpu)
	unix.SchedSetaffinity(0, &set) // best effort: an offline CPU sends nothing
	r, err := newRing(uint32(2 * len(q.ents)))
	if err != nil {
		ready <- err
		return
	}
	q.r = r
	defer r.close()
	for i := range q.ents {
		q.prep(i, cmdRegister, 0)
	}
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
		var failed error
		q.r.reap(func(c cqe) {
			if c.res < 0 {
				q.dead++
				if failed == nil {
					failed = unix.Errno(-c.res)
				}
				return
			}
			q.serve(int(c.data))
		})
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

// connGone tells the errors of a connection that was unmounted or
// aborted, which end a queue quietly.
func connGone(err error) bool {
	return errors.Is(err, unix.ENOTCONN) || errors.Is(err, unix.ECONNABORTED) ||
		errors.Is(err, unix.ECANCELED) || errors.Is(err, unix.ENODEV)
}

// serve answers the request in entry i and queues its commit, which also
// fetches the entry's next request.
func (q *queue) serve(i int) {
	e := &q.ents[i]
	h := e.hdr
	length := int(ne.Uint32(h[0:]))
	unique := ne.Uint64(h[8:])
	psz := int(ne.Uint32(h[hdrEnt+16:]))
	op := length - inHeaderSize - psz
	n := 0
	if op >= 0 && op <= hdrEnt-hdrOpIn && psz <= len(e.payload) {
		payload := e.payload[:psz]
		if ne.Uint32(h[4:]) == opGetXattr {
			// The reply overwrites the payload the name is read from.
			payload = append([]byte(nil), payload...)
		}
		e.in = [3][]byte{h[:inHeaderSize], h[hdrOpIn : hdrOpIn+op], payload}
		var st fuse.Status
		n, st = q.h.HandleRequest(e.in[:], [][]byte{h[:outHeaderSize], e.payload})
		if !st.Ok() {
			n = 0
		}
	}
	if n < outHeaderSize {
		// A request go-fuse could not parse, or one it answers with no
		// reply: the kernel still waits for one.
		ne.PutUint32(h[0:], outHeaderSize)
		errno := -int32(unix.EIO)
		ne.PutUint32(h[4:], uint32(errno))
		ne.PutUint64(h[8:], unique)
		n = outHeaderSize
	}
	ne.PutUint32(h[hdrEnt+16:], uint32(n-outHeaderSize))
	q.prep(i, cmdCommitFetch, unique)
	q.count.Add(1)
}

// prep queues an IORING_OP_URING_CMD for entry i.
func (q *queue) prep(i int, cmd uint32, commitID uint64) {
	s := q.r.sqe() // never nil: the ring has twice as many SQEs as entries
	s[0] = opURingCmd
	ne.PutUint32(s[4:], uint32(q.devFD))
	ne.PutUint32(s[8:], cmd)
	ne.PutUint64(s[16:], uint64(uintptr(unsafe.Pointer(&q.iovs[2*i]))))
	ne.PutUint32(s[24:], 2)
	ne.PutUint64(s[32:], uint64(i))
	ne.PutUint64(s[sqeCmdOffset+8:], commitID)
	ne.PutUint16(s[sqeCmdOffset+16:], uint16(q.qid))
}
