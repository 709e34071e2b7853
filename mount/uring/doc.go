// Package uring serves a FUSE connection over io_uring (FUSE_OVER_IO_URING,
// Linux 6.14+, module parameter fuse.enable_uring).
//
// The kernel keeps one request queue per possible CPU and puts each
// request on the queue of the CPU that issued it. Package uring runs one
// OS thread per queue, pinned to that CPU, with its own ring: the thread
// registers DefaultDepth entries (a header and a payload buffer each,
// IORING_OP_URING_CMD on the /dev/fuse descriptor, 128-byte SQEs), then
// answers each request and commits the reply with the same command that
// fetches the entry's next request. A request and its answer thus stay
// on one CPU, without the cross-CPU wake-up of a /dev/fuse read, and one
// io_uring_enter replaces a read and a writev.
//
// Metadata requests and small reads and writes are answered inline on
// the queue thread. A READ of HandOffBytes or more, FSYNC and FSYNCDIR
// are answered on a goroutine of their own (the kernel puts all of one
// task's read-ahead on one queue; answered one after another they left
// the other core idle). Only the queue thread may submit on its ring
// (IORING_SETUP_SINGLE_ISSUER), so a finished goroutine puts its entry on
// a list and writes an eventfd the ring keeps a read pending on; the
// thread wakes and commits (waker).
//
// Requests are decoded and answered by go-fuse's fuse.ProtocolServer
// (the Handler), which drives the same RawFileSystem as the fuse.Server
// that did INIT. FORGET and INTERRUPT still arrive on /dev/fuse; the
// transport reads it itself and gives them to the same Handler, because
// go-fuse cancels a request's context only from the table of the server
// that runs it (interrupts). Notifications are written by the
// fuse.Server.
//
// Non-obvious: once the INIT reply has accepted FUSE_OVER_IO_URING, the
// kernel holds every request until each queue has an entry; a daemon
// that accepts the flag and does not register hangs its mount. Start
// therefore reports failure instead of returning half-registered, and
// the caller aborts the connection. The ring memory and the entries'
// buffers are mmap'd outside the Go heap and never move; handed-off
// requests are waited for before they are unmapped.
//
// Known limits: an interrupted request ends early only if its handler
// watches its context (cofferfs's file system calls do not); a request
// that blocks inline holds up the other requests of its CPU; go-fuse's
// ProtocolServer allocates its request struct and a channel per request
// (the /dev/fuse Server reuses them), which makes the collector run
// about three times as often as over /dev/fuse.
package uring
