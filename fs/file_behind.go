package fs

import (
	"sync"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// Write-behind: a large write that appends whole blocks at the end of a
// file is sealed, its backing space reserved if the disk is nearly full
// (reserveBelow), and its pwrite handed to a goroutine; WriteAt returns while the blocks are written, so the next
// request is received and sealed meanwhile. At most one such write is
// outstanding per file: the next one waits for it before it starts its
// own. Every other operation on the file's content (read, stat, truncate,
// other writes, seek, fsync, flush, close) first waits for it (settle),
// so nothing ever sees the file without an acknowledged write.
//
// A deferred write that fails cuts the backing file back to where it
// started and leaves its error on the handle that wrote it: the next
// WriteAt, Sync, Datasync, Flush or Close of that handle returns it.

// behindMin is the smallest write that is deferred; smaller writes (and
// every write of a small file) stay synchronous.
const behindMin = 64 << 10

// pendingWrite is a deferred append.
type pendingWrite struct {
	owner *File
	start int64 // backing size before the write, restored if it fails
	end   int64 // backing size once it is written
	done  chan struct{}
	err   error // set before done is closed
}

// lateErr is the error of a handle's deferred write, not yet reported.
type lateErr struct {
	mu  sync.Mutex
	err error
}

// set keeps the first unreported error.
func (l *lateErr) set(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
}

// take returns the unreported error and forgets it.
func (l *lateErr) take() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.err
	l.err = nil
	return err
}

// settle waits for the inode's deferred write, if one is outstanding, and
// forgets it. The caller holds ino.mu (shared is enough).
func (in *inode) settle() {
	p := in.pend.Load()
	if p == nil {
		return
	}
	<-p.done
	in.pend.CompareAndSwap(p, nil)
}

// settleOwn waits for the inode's deferred write and returns the error of
// a deferred write of this handle that was not reported yet.
func (fl *File) settleOwn() error {
	fl.ino.settle()
	return fl.late.take()
}

// Flush waits for the handle's deferred write and returns its error, if
// it failed and no other call reported that yet (close(2) of a FUSE file).
func (fl *File) Flush() error {
	fl.ino.mu.RLock()
	defer fl.ino.mu.RUnlock()
	return fl.settleOwn()
}

// writeBehind defers the write of p at off if it is an append of whole
// blocks that continues the file (or this handle's outstanding write). It
// reports whether it took the write; if not, the caller settles and
// writes synchronously. The caller holds ino.mu exclusively.
func (fl *File) writeBehind(p []byte, off uint64) (bool, error) {
	if len(p) < behindMin || fl.sync {
		return false, nil
	}
	prev := fl.ino.pend.Load()
	var csize uint64
	if prev != nil {
		if prev.owner != fl {
			return false, nil
		}
		csize = uint64(prev.end)
	} else {
		var err error
		if csize, err = fl.cipherSize(); err != nil {
			return true, err
		}
	}
	c := fl.fs.content
	plain := c.PlainSize(csize)
	if fl.append {
		off = plain
	}
	if plain == 0 || off != plain || plain%crypto.BlockSize != 0 || csize != c.CipherSize(plain) ||
		off+uint64(len(p)) > maxPlain(c) {
		return false, nil
	}
	h := fl.ino.hdr.Load()
	if h == nil {
		return false, nil
	}
	end := int64(c.CipherSize(plain + uint64(len(p))))
	// On a nearly full disk, reserve the space without changing the size,
	// so that ENOSPC fails this write (synchronously) rather than the
	// deferred one.
	if err := fl.reserveBehind(int64(csize), end); err != nil {
		fl.ino.settle()
		fl.dropReservation()
		if late := fl.late.take(); late != nil {
			return true, late
		}
		return true, wrapErr(err, "write", fl.path)
	}
	sealed, err := fl.sealRange(h, p, off, plain)
	if err == nil && prev != nil {
		<-prev.done
		fl.ino.pend.CompareAndSwap(prev, nil)
		if prev.err != nil {
			fl.fs.bufs.put(sealed)
			unix.Ftruncate(fl.fd, prev.start) // drops this write's reservation too
			err = fl.late.take()
			if err == nil {
				err = prev.err
			}
		}
	}
	if err != nil {
		return true, err
	}
	pw := &pendingWrite{owner: fl, start: int64(csize), end: end, done: make(chan struct{})}
	fl.ino.pend.Store(pw)
	go fl.finishBehind(pw, sealed, c.BlockOffset(off/crypto.BlockSize))
	return true, nil
}

// reserveBelow is the free space of the backing file system under which
// a deferred write reserves its space first. Reserving always costs a
// fifth of the write speed on tmpfs (fallocate clears the pages that the
// write then fills); with more room than this, another writer would have
// to fill it within the moment the write is in flight.
const reserveBelow = 64 << 20

// reserveBehind reserves the backing range [from, to) past the end with
// FALLOC_FL_KEEP_SIZE when the backing file system is nearly full. File
// systems without fallocate are written without a reservation.
func (fl *File) reserveBehind(from, to int64) error {
	var st unix.Statfs_t
	if unix.Fstatfs(fl.fd, &st) == nil && st.Bavail*uint64(st.Bsize) >= reserveBelow {
		return nil
	}
	err := unix.Fallocate(fl.fd, unix.FALLOC_FL_KEEP_SIZE, from, to-from)
	if err == unix.EOPNOTSUPP {
		return nil
	}
	return err
}

// dropReservation frees space reserved past the end of the file (a
// truncate to the size it has).
func (fl *File) dropReservation() {
	var st unix.Stat_t
	if unix.Fstat(fl.fd, &st) == nil {
		unix.Ftruncate(fl.fd, st.Size)
	}
}

// finishBehind writes the sealed blocks of a deferred write at pos.
func (fl *File) finishBehind(pw *pendingWrite, sealed *[]byte, pos int64) {
	err := sysx.WriteAll(fl.fd, *sealed, pos)
	fl.fs.bufs.put(sealed)
	if err != nil {
		unix.Ftruncate(fl.fd, pw.start)
		pw.err = wrapErr(err, "write", fl.path)
		fl.late.set(pw.err)
	}
	close(pw.done)
}
