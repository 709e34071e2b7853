package uring

import (
	"sync"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// fakeHandler answers requests as go-fuse's ProtocolServer does, as far
// as the queues look: an INTERRUPT of a running request is answered with
// nothing, one of an unknown request with EAGAIN; everything else gets
// an empty OK reply, and GETXATTR gets its name back as the value.
type fakeHandler struct {
	mu          sync.Mutex
	running     map[uint64]bool
	cancelled   map[uint64]bool
	calls       int
	lastPayload []byte
}

func newFake() *fakeHandler {
	return &fakeHandler{running: map[uint64]bool{}, cancelled: map[uint64]bool{}}
}

func (f *fakeHandler) HandleRequest(in, out [][]byte) (int, fuse.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	hdr := in[0]
	unique := ne.Uint64(hdr[8:])
	if ne.Uint32(hdr[4:]) == opInterrupt {
		target := ne.Uint64(hdr[inHeaderSize:])
		if f.running[target] {
			f.cancelled[target] = true
			return 0, fuse.OK
		}
		return reply(out[0], unique, -int32(unix.EAGAIN), 0), fuse.OK
	}
	f.calls++
	n := 0
	if ne.Uint32(hdr[4:]) == opGetXattr {
		name := in[2]
		f.lastPayload = append([]byte(nil), name...)
		clear(out[1]) // the value goes where the name came from
		n = copy(out[1], "value")
	}
	return reply(out[0], unique, 0, n), fuse.OK
}

func reply(out []byte, unique uint64, errno int32, payload int) int {
	ne.PutUint32(out[0:], uint32(outHeaderSize+payload))
	ne.PutUint32(out[4:], uint32(errno))
	ne.PutUint64(out[8:], unique)
	return outHeaderSize + payload
}

// testQueue is a queue with one entry and no ring, for answer.
func testQueue(t *testing.T, h Handler) *queue {
	t.Helper()
	buf, err := mapBuffers(1, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(buf.unmap)
	ents, iovs, err := buf.entries(1)
	if err != nil {
		t.Fatal(err)
	}
	return &queue{h: h, buf: buf, ents: ents, iovs: iovs, stats: &Stats{}, intr: newInterrupts(h)}
}

// put writes a request with opcode, unique, an op header of opLen bytes
// and payload into entry 0, as the kernel does.
func put(q *queue, opcode uint32, unique uint64, opLen int, payload []byte) {
	e := &q.ents[0]
	clear(e.hdr)
	ne.PutUint32(e.hdr[0:], uint32(inHeaderSize+opLen+len(payload)))
	ne.PutUint32(e.hdr[4:], opcode)
	ne.PutUint64(e.hdr[8:], unique)
	ne.PutUint32(e.hdr[hdrEnt+16:], uint32(len(payload)))
	copy(e.payload, payload)
}

// replied returns the error and payload size of the reply in entry 0.
func replied(q *queue) (int32, int) {
	h := q.ents[0].hdr
	return int32(ne.Uint32(h[4:])), int(ne.Uint32(h[hdrEnt+16:]))
}

// An INTERRUPT that comes before its request reached the handler does
// not make the queue answer EINTR without running it (a harmless signal
// would fail an fsync that works over /dev/fuse): the request runs, and
// its INTERRUPT is forgotten once it is answered; the next request with
// another unique runs as usual.
func TestInterruptBeforeStart(t *testing.T) {
	f := newFake()
	q := testQueue(t, f)
	q.intr.deliver(interruptOf(10))
	put(q, 3, 10, 16, nil) // GETATTR
	q.answer(0)
	if errno, _ := replied(q); errno != 0 || f.calls != 1 {
		t.Errorf("interrupted request: errno %d, handler called %d times", errno, f.calls)
	}
	if q.intr.has(10) {
		t.Error("the answered request's INTERRUPT is still remembered")
	}
	put(q, 3, 12, 16, nil)
	q.answer(0)
	if errno, _ := replied(q); errno != 0 || f.calls != 2 {
		t.Errorf("next request: errno %d, handler called %d times", errno, f.calls)
	}
	time.Sleep(5 * time.Millisecond) // the retries find nothing to do
	if q.intr.n.Load() != 0 {
		t.Errorf("%d INTERRUPTs still remembered", q.intr.n.Load())
	}
}

// An INTERRUPT that finds no running request is tried again, so that it
// reaches a request that entered the handler just after it came.
func TestInterruptRetried(t *testing.T) {
	f := newFake()
	intr := newInterrupts(f)
	intr.deliver(interruptOf(20))
	time.Sleep(2 * time.Millisecond)
	f.mu.Lock()
	f.running[20] = true
	f.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second) // a hang guard
	for {
		f.mu.Lock()
		done := f.cancelled[20]
		f.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the INTERRUPT never reached the request")
		}
		time.Sleep(time.Millisecond)
	}
	if intr.take(20) {
		t.Error("a delivered INTERRUPT is still remembered")
	}
}

// GETXATTR's reply overwrites the payload buffer the name is in, so the
// handler must get the name from elsewhere.
func TestGetXattrNameCopied(t *testing.T) {
	f := newFake()
	q := testQueue(t, f)
	put(q, opGetXattr, 30, 8, []byte("user.some-name\x00"))
	q.answer(0)
	if string(f.lastPayload) != "user.some-name\x00" {
		t.Errorf("handler got name %q", f.lastPayload)
	}
	if errno, n := replied(q); errno != 0 || string(q.ents[0].payload[:n]) != "value" {
		t.Errorf("reply: errno %d, %q", errno, q.ents[0].payload[:n])
	}
}

// A request whose lengths do not add up is answered EIO, never passed on.
func TestMalformedRequestEIO(t *testing.T) {
	f := newFake()
	q := testQueue(t, f)
	put(q, 3, 40, 200, nil) // an op header longer than the header buffer holds
	q.answer(0)
	if errno, _ := replied(q); errno != -int32(unix.EIO) || f.calls != 0 {
		t.Errorf("errno %d, handler called %d times", errno, f.calls)
	}
}

func interruptOf(unique uint64) []byte {
	b := make([]byte, interruptSize)
	ne.PutUint32(b[0:], interruptSize)
	ne.PutUint32(b[4:], opInterrupt)
	ne.PutUint64(b[8:], unique|1)
	ne.PutUint64(b[inHeaderSize:], unique)
	return b
}
