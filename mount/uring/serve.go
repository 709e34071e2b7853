package uring

import (
	"golang.org/x/sys/unix"
)

// Opcodes the queues look at (include/uapi/linux/fuse.h), and the
// sizes of the request and reply headers.
const (
	opRead        = 15
	opFsync       = 20
	opGetXattr    = 22
	opFsyncDir    = 30
	inHeaderSize  = 40
	outHeaderSize = 16
	// nameBytes holds an xattr name (XATTR_NAME_MAX 255) and its NUL.
	nameBytes = 256
)

// HandOffBytes is the size from which a READ is answered on a goroutine
// of its own instead of on the queue thread. The kernel puts all of one
// task's read-ahead on the queue of its CPU; answered one after another
// on that thread, a sequential read over io_uring was slower than over
// /dev/fuse. WRITEs stay inline: a writer waits for each reply (no
// writeback cache), so there is nothing to overlap, and a hand-off only
// added a wake-up (sequential write 21% slower in alternated pairs).
// The blocks of one large request are spread over the cores by the
// file system either way.
const HandOffBytes = 64 << 10

// serve answers the request in entry i: at once on the queue thread,
// or, when slow says so, on a goroutine of its own, whose reply the
// queue thread commits when it is done (commitFinished).
func (q *queue) serve(i int) {
	if !q.slow(i) {
		q.answer(i)
		q.commit(i)
		return
	}
	q.stats.HandedOff.Add(1)
	q.workers.Add(1)
	go func() {
		defer q.workers.Done()
		q.answer(i)
		q.wake.finish(i)
	}()
}

// slow tells whether the request in entry i may take long enough to be
// worth a goroutine: a READ of HandOffBytes or more, and FSYNC and
// FSYNCDIR (a disk flush, which would hold up every request of the CPU).
func (q *queue) slow(i int) bool {
	h := q.ents[i].hdr
	switch ne.Uint32(h[4:]) {
	case opRead:
		return ne.Uint32(h[hdrOpIn+16:]) >= HandOffBytes // fuse_read_in.size
	case opFsync, opFsyncDir:
		return true
	}
	return false
}

// commitFinished commits the replies of the handed-off requests that
// are done, and queues the wake-up read again once it has fired.
func (q *queue) commitFinished() {
	if q.wake.fired {
		q.wake.rearm(q.r)
	}
	for _, i := range q.wake.take() {
		q.commit(i)
	}
}

// answer handles the request in entry i and leaves its reply, out
// header first, in the entry.
func (q *queue) answer(i int) {
	e := &q.ents[i]
	h := e.hdr
	e.unique = ne.Uint64(h[8:])
	errno := unix.EIO
	// A request interrupted before it ran still runs, as it does over
	// /dev/fuse: most INTERRUPTs come from harmless signals (a Go
	// program's preemption, SIGCHLD, SIGWINCH), and an EINTR for an
	// fsync or write that would have worked is an error the caller never
	// expects. The INTERRUPT cancels the handler's context once it runs.
	n := q.handle(e)
	q.intr.take(e.unique) // it has been answered: forget its INTERRUPT
	if n < outHeaderSize {
		// A request go-fuse could not parse, or one it answers with no
		// reply: the kernel still waits for one.
		ne.PutUint32(h[0:], outHeaderSize)
		ne.PutUint32(h[4:], uint32(-int32(errno)))
		ne.PutUint64(h[8:], e.unique)
		n = outHeaderSize
	}
	ne.PutUint32(h[hdrEnt+16:], uint32(n-outHeaderSize))
}

// handle passes the request in e to the Handler and returns the length
// of its reply, 0 if there is none.
func (q *queue) handle(e *entry) int {
	h := e.hdr
	length := int(ne.Uint32(h[0:]))
	psz := int(ne.Uint32(h[hdrEnt+16:]))
	op := length - inHeaderSize - psz
	if op < 0 || op > hdrEnt-hdrOpIn || psz > len(e.payload) {
		return 0
	}
	payload := e.payload[:psz]
	if ne.Uint32(h[4:]) == opGetXattr {
		// The reply overwrites the payload the name is read from.
		if psz <= len(e.name) {
			payload = e.name[:copy(e.name[:], payload)]
		} else {
			payload = append([]byte(nil), payload...)
		}
	}
	e.in = [3][]byte{h[:inHeaderSize], h[hdrOpIn : hdrOpIn+op], payload}
	e.out = [2][]byte{h[:outHeaderSize], e.payload}
	n, st := q.h.HandleRequest(e.in[:], e.out[:])
	if !st.Ok() {
		return 0
	}
	return n
}
