package uring

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Kernel constants of the io_uring ABI (include/uapi/linux/io_uring.h).
const (
	setupSQE128        = 1 << 10
	setupCoopTaskrun   = 1 << 8
	setupSingleIssuer  = 1 << 12
	setupDeferTaskrun  = 1 << 13
	featSingleMmap     = 1 << 0
	enterGetEvents     = 1 << 0
	offSQRing          = 0
	offCQRing          = 0x8000000
	offSQEs            = 0x10000000
	opURingCmd         = 46
	opRingRead         = 22  // IORING_OP_READ
	sqeSize            = 128 // SQE128
	cqeSize            = 16
	sqeCmdOffset       = 48 // the 80-byte command area of an SQE128
	ioURingParamsBytes = 120
)

// params mirrors struct io_uring_params.
type params struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff                                                                  struct {
		head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
		resv2                                                           uint64
	}
	cqOff struct {
		head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
		resv2                                                           uint64
	}
}

// ring is one io_uring instance with 128-byte SQEs, used by one thread.
type ring struct {
	fd             int
	sqMem, cqMem   []byte
	sqes           []byte
	sqHead, sqTail *uint32
	sqMask         uint32
	sqArray        unsafe.Pointer
	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           unsafe.Pointer
	tail           uint32 // our copy of the SQ tail, published by flush
}

// newRing sets up a ring with at least entries SQEs. It asks for
// single-issuer and deferred task work first (the queue thread is the
// only submitter) and falls back to plain SQE128 on older kernels.
func newRing(entries uint32) (*ring, error) {
	var p params
	fd, err := setup(entries, &p, setupSQE128|setupSingleIssuer|setupDeferTaskrun)
	if err == unix.EINVAL {
		p = params{}
		fd, err = setup(entries, &p, setupSQE128|setupCoopTaskrun)
	}
	if err != nil {
		return nil, fmt.Errorf("io_uring_setup: %w", err)
	}
	r := &ring{fd: fd}
	if err := r.mapRings(&p); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func setup(entries uint32, p *params, flags uint32) (int, error) {
	p.flags = flags
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// mapRings maps the SQ and CQ rings and the SQE array.
func (r *ring) mapRings(p *params) error {
	sqLen := int(p.sqOff.array + p.sqEntries*4)
	cqLen := int(p.cqOff.cqes + p.cqEntries*cqeSize)
	if p.features&featSingleMmap != 0 {
		sqLen = max(sqLen, cqLen)
	}
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, offSQRing, sqLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fmt.Errorf("mmap SQ ring: %w", err)
	}
	r.cqMem = r.sqMem
	if p.features&featSingleMmap == 0 {
		if r.cqMem, err = unix.Mmap(r.fd, offCQRing, cqLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
			return fmt.Errorf("mmap CQ ring: %w", err)
		}
	}
	if r.sqes, err = unix.Mmap(r.fd, offSQEs, int(p.sqEntries)*sqeSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fmt.Errorf("mmap SQEs: %w", err)
	}
	sq, cq := unsafe.Pointer(&r.sqMem[0]), unsafe.Pointer(&r.cqMem[0])
	r.sqHead = (*uint32)(unsafe.Add(sq, p.sqOff.head))
	r.sqTail = (*uint32)(unsafe.Add(sq, p.sqOff.tail))
	r.sqMask = *(*uint32)(unsafe.Add(sq, p.sqOff.ringMask))
	r.sqArray = unsafe.Add(sq, p.sqOff.array)
	r.cqHead = (*uint32)(unsafe.Add(cq, p.cqOff.head))
	r.cqTail = (*uint32)(unsafe.Add(cq, p.cqOff.tail))
	r.cqMask = *(*uint32)(unsafe.Add(cq, p.cqOff.ringMask))
	r.cqes = unsafe.Add(cq, p.cqOff.cqes)
	r.tail = atomic.LoadUint32(r.sqTail)
	return nil
}

// sqe returns the next free submission entry, zeroed, or nil when the
// submission queue is full.
func (r *ring) sqe() []byte {
	if r.tail-atomic.LoadUint32(r.sqHead) > r.sqMask {
		return nil
	}
	idx := r.tail & r.sqMask
	*(*uint32)(unsafe.Add(r.sqArray, idx*4)) = idx
	r.tail++
	e := r.sqes[int(idx)*sqeSize : int(idx+1)*sqeSize]
	clear(e)
	return e
}

// enter publishes the queued SQEs and waits for at least wait
// completions. It retries when a signal interrupts the wait.
func (r *ring) enter(wait uint32) error {
	atomic.StoreUint32(r.sqTail, r.tail)
	for {
		pending := r.tail - atomic.LoadUint32(r.sqHead)
		var flags uintptr
		if wait > 0 {
			flags = enterGetEvents
		}
		_, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(pending), uintptr(wait), flags, 0, 0)
		switch errno {
		case 0:
			return nil
		case unix.EINTR, unix.EAGAIN, unix.EBUSY:
			// The caller reaps what is there and waits again.
			if r.tail == atomic.LoadUint32(r.sqHead) {
				return nil
			}
		default:
			return fmt.Errorf("io_uring_enter: %w", errno)
		}
	}
}

// cqe is one completion: the user data of its SQE and the result.
type cqe struct {
	data uint64
	res  int32
}

// reap calls fn for every completion that is ready and frees them.
func (r *ring) reap(fn func(cqe)) int {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	n := 0
	for ; head != tail; head++ {
		p := unsafe.Add(r.cqes, (head&r.cqMask)*cqeSize)
		c := cqe{data: *(*uint64)(p), res: *(*int32)(unsafe.Add(p, 8))}
		atomic.StoreUint32(r.cqHead, head+1)
		fn(c)
		n++
	}
	return n
}

// close unmaps the rings and closes the ring descriptor; the kernel
// cancels whatever is still in flight.
func (r *ring) close() {
	if r.sqes != nil {
		unix.Munmap(r.sqes)
	}
	if r.cqMem != nil && (r.sqMem == nil || &r.cqMem[0] != &r.sqMem[0]) {
		unix.Munmap(r.cqMem)
	}
	if r.sqMem != nil {
		unix.Munmap(r.sqMem)
	}
	unix.Close(r.fd)
}
