// Package mount serves a vault's plaintext view (package fs) over FUSE.
// It is the only package of cofferfs that imports go-fuse (besides the
// benchmark's baseline, bench/loopback), and it is only the FUSE layer:
// the daemon's process plumbing (state records, unmount by path, readiness)
// is in internal/daemon.
//
// The nodes are thin: each FUSE operation computes the plaintext path or
// takes the open handle, calls package fs, and maps the error to an errno
// (see errno.go). All crypto and all backing-directory access stay in fs.
//
// Security: file handles never implement go-fuse's FilePassthroughFder
// and no node embeds go-fuse's loopback types. Kernel FUSE passthrough
// would hand the backing (ciphertext) descriptor to the kernel, so reads
// would return ciphertext and writes would store plaintext. A test checks
// that data written through a mount never reaches the backing directory
// in the clear.
//
// Permissions: with allow_other the kernel checks modes and owners
// (default_permissions), so other users get exactly what the modes
// allow. Without it only the mounting user reaches the mount (FUSE's own
// rule), and the daemon's access to the backing files decides, as in
// gocryptfs; that saves a round trip per created file. New entries get the
// mode the caller asked for (the kernel has applied the caller's umask)
// and, when the daemon runs as root, the caller's uid (and gid, or the
// directory's group in a set-group-ID directory). POSIX ACLs are not
// enforced and therefore refused (EOPNOTSUPP), as with noacl.
//
// Set-ID bits: the daemon clears them on a write or truncate by a caller
// without CAP_FSETID (FUSE_HANDLE_KILLPRIV_V2, see killpriv.go), which
// spares the kernel a GETATTR before every chown.
//
// Locks: flock and POSIX locks are left to the kernel, which keeps them
// locally for the mount; that is exact, because every process that can
// reach the mount runs on this machine.
//
// Transports: requests reach the daemon over /dev/fuse (go-fuse's Server)
// or over io_uring (subpackage uring, transport.go): then cofferfs opens
// /dev/fuse and calls mount(2) itself, hands go-fuse the descriptor as
// /dev/fd/N, accepts FUSE_OVER_IO_URING in INIT, primes a go-fuse
// ProtocolServer with the same INIT and registers the queues before Mount
// returns; a failure aborts the connection so nothing hangs. The queue
// threads answer every request inline, so a handler must never wait for
// another FUSE request of the same mount (nor write a notification the
// kernel can only take while a request of this mount holds a lock).
//
// State directory: the records `cofferfs status` reads and the daemon
// logs live in one directory per user, which for a user without
// XDG_RUNTIME_DIR is a predictable path under /tmp. It is used only if it
// is the user's own 0700 directory (see statedir.go), files in it are
// created with O_EXCL or O_NOFOLLOW, and a record whose pid is dead or
// belongs to a process started later (start time in /proc/PID/stat) is
// stale and removed.
//
// Mode 0 is a mode like any other (go-fuse's NullPermissions); go-fuse
// would otherwise show it as 0644 or 0755. Every mount is nosuid,nodev:
// modes and owners in a synced folder are not authenticated.
//
// One writer per vault: LockVault takes an flock on a file in the state
// directory named by the cipherdir's device and inode (never in the
// cipherdir, which syncs), so the kernel drops it when its holder dies.
// A dead daemon's FUSE connection may outlive it (a thread stuck in the
// kernel, an inherited descriptor); Unmount then aborts it through
// fusectl, so that processes waiting on the mount get ENOTCONN.
//
// Reverse mode (reverse*.go) is a separate, small node tree over
// fs/reverse, served over the same transports: a "ro" kernel mount whose
// nodes answer every change with EROFS. Its inode numbers are
// gocryptfs's (fs/reverse/inomap.go), which the paths of a hard link
// share; the node generation is hashed from the view path, so each path
// is its own node and keeps its own path. The kernel keeps a file's
// pages across opens only while the plain file is unchanged (keepCache):
// pages of two versions would make a view whose blocks straddling a
// page boundary do not authenticate. Activity and open files are
// counted for the idle lock and status, as for a vault.
package mount
