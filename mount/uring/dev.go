package uring

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Opcodes that need no reply (include/uapi/linux/fuse.h).
const (
	opForget      = 2
	opBatchForget = 42
)

// devBufferExtra is room for a request's headers beside its payload
// (go-fuse's reader uses the same bound).
const devBufferExtra = 4096

// serveDev reads the requests that still come over /dev/fuse once the
// rings are serving: FORGETs and INTERRUPTs always, and anything the
// kernel queued before the last queue registered. They are answered by
// the rings' Handler, so that an INTERRUPT finds its ring request (see
// interrupts). It returns when the connection ends.
func serveDev(fd int, h Handler, intr *interrupts, maxWrite int) {
	buf := make([]byte, max(maxWrite, 8192)+devBufferExtra)
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == nil:
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.EAGAIN), errors.Is(err, unix.ENOENT):
			continue // ENOENT: the request was interrupted before we read it
		default:
			return // ENODEV: unmounted or aborted
		}
		if n < inHeaderSize {
			continue
		}
		switch ne.Uint32(buf[4:]) {
		case opInterrupt:
			intr.deliver(buf[:n])
		case opForget, opBatchForget:
			var out [outHeaderSize]byte
			h.HandleRequest([][]byte{buf[:n]}, [][]byte{out[:]})
		default:
			// Rare (before the rings were ready), and possibly slow:
			// answered on its own goroutine, as go-fuse's reader does.
			req := append([]byte(nil), buf[:n]...)
			go answerDev(fd, h, req, maxWrite)
		}
	}
}

// answerDev answers one request read from /dev/fuse and writes the
// reply there.
func answerDev(fd int, h Handler, req []byte, maxWrite int) {
	out := make([]byte, max(maxWrite, 8192)+devBufferExtra)
	n, st := h.HandleRequest([][]byte{req}, [][]byte{out})
	if !st.Ok() || n < outHeaderSize {
		if n == 0 && st.Ok() {
			return // no reply wanted
		}
		n = outHeaderSize
		ne.PutUint32(out[0:], outHeaderSize)
		errno := -int32(unix.EIO)
		ne.PutUint32(out[4:], uint32(errno))
		ne.PutUint64(out[8:], ne.Uint64(req[8:]))
	}
	// An error means the request is gone (interrupted, or the
	// connection ended); nobody waits for this reply any more.
	unix.Write(fd, out[:n])
}
