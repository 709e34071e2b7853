// Command loopback is the FUSE baseline of the benchmark in bench/: a
// plain pass-through file system that mirrors a backing directory, built
// on go-fuse's loopback nodes. It does no cryptography, so the gap between
// it and cofferfs is the cost of cofferfs itself, while the gap between
// it and the bare directory is the cost of FUSE and of a Go daemon.
//
// Usage:
//
//	loopback [-debug] [-passthrough] BACKINGDIR MOUNTPOINT
//
// It runs in the foreground until the mount is unmounted, or until
// SIGINT or SIGTERM (then it unmounts itself). SIGUSR1 prints the number
// of read and write requests and bytes its file handles have served to
// stderr, as one line starting with "loopback-stats".
//
// Mount options: the same as package mount gives a cofferfs mount
// (mount.FUSEOptions and mount.Serve: mount.DefaultMaxWrite as the
// largest request, the same read-ahead window, handle-killpriv, no
// FLUSH, security labels ignored, a direct mount(2) when run as root and
// 1 s entry and attribute timeouts), so that the two differ only in what
// the daemon does with a request. Read replies are spliced from the
// backing file, as go-fuse's loopback does.
//
// Kernel FUSE passthrough is off. go-fuse (v2.12) hands an open file's
// backing descriptor to the kernel whenever the file handle implements
// fs.FilePassthroughFder and the daemon may register backing files (root,
// a kernel with FUSE passthrough); the kernel then reads and writes the
// backing file itself and the daemon never sees the data. cofferfs cannot
// do that — its data must be decrypted and encrypted by the daemon — so a
// baseline with passthrough would compare against a path cofferfs can
// never take. Here every open file is a handle that wraps go-fuse's
// LoopbackFile and forwards the data and attribute operations, but has no
// PassthroughFd method, so every read and write is a FUSE request the
// daemon serves; the counters printed on SIGUSR1 show it. The
// -passthrough flag exposes the method again, for comparison only.
//
// This program is, besides package mount, the only one allowed to import
// go-fuse (see deps_test.go); of cofferfs it imports only package mount,
// for the mount options.
package main
