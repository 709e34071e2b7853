// Package uring serves a FUSE connection over io_uring (FUSE_OVER_IO_URING,
// Linux 6.14+, module parameter fuse.enable_uring).
//
// The kernel keeps one request queue per possible CPU and puts each
// request on the queue of the CPU that issued it. Package uring runs one
// OS thread per queue, pinned to that CPU, with its own ring: the thread
// registers DefaultDepth entries (a header and a payload buffer each,
// IORING_OP_URING_CMD on the /dev/fuse descriptor, 128-byte SQEs), then
// answers each request inline and commits the reply with the same
// command that fetches the entry's next request. A request and its
// answer thus stay on one CPU, without the cross-CPU wake-up of a
// /dev/fuse read, and one io_uring_enter replaces a read and a writev.
//
// Requests are decoded and answered by go-fuse's fuse.ProtocolServer
// (the Handler), which drives the same RawFileSystem as the fuse.Server
// that keeps reading /dev/fuse: FORGET and INTERRUPT still arrive
// there, and notifications are written there.
//
// Non-obvious: once the INIT reply has accepted FUSE_OVER_IO_URING, the
// kernel holds every request until each queue has an entry; a daemon
// that accepts the flag and does not register hangs its mount. Start
// therefore reports failure instead of returning half-registered, and
// the caller aborts the connection. The ring memory is mmap'd outside
// the Go heap and never moves.
//
// Known warts: an INTERRUPT for a request served on a ring reaches the
// fuse.Server, which does not know the request and answers EAGAIN, so
// the kernel repeats the INTERRUPT until the request is answered; and
// every request is answered inline on its queue thread (no hand-off of
// large READs and WRITEs to other goroutines yet), which is what keeps
// it on the CPU that issued it.
package uring
