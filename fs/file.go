package fs

import (
	"fmt"
	"io"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// File is an open regular file of the plaintext view. Its methods are
// safe for concurrent use; handles on the same file share one content lock.
type File struct {
	fs     *FS
	fd     int
	ino    *inode
	path   string
	append bool
	write  bool
	made   bool // Create made the file
	sync   bool // O_SYNC or O_DSYNC: no write-behind
	late   lateErr
}

// Ino returns the backing file's inode number (from the open, no system
// call).
func (fl *File) Ino() uint64 { return fl.ino.key.ino }

// Created reports whether the file was made by Create (not an existing
// file that Create without O_EXCL opened).
func (fl *File) Created() bool { return fl.made }

// Owner is the uid and gid given to a new entry. A nil *Owner keeps the
// owner the backing file system assigns (the daemon's).
type Owner struct {
	UID, GID uint32
}

// Open opens an existing regular file. flags are open(2) flags: the
// access mode, O_APPEND and O_TRUNC are honoured, O_CREAT is not (see
// Create). The backing file is always opened for reading too, because
// partial-block writes read before they write.
func (f *FS) Open(path string, flags int) (*File, error) {
	e, err := f.lookup(path)
	if err != nil {
		return nil, err
	}
	defer e.close()
	file, err := f.openEntry(e, flags&^(unix.O_CREAT|unix.O_EXCL), 0, nil)
	return f.checkOpenSynced(file, flags, err)
}

// Create creates (or, without O_EXCL, opens) a regular file with exactly
// the given permission bits and owner.
func (f *FS) Create(path string, flags int, mode uint32, owner *Owner) (*File, error) {
	if err := f.checkWritable(); err != nil {
		return nil, err
	}
	f.noteChange(path)
	e, err := f.lookup(path)
	if err != nil {
		return nil, err
	}
	defer e.close()
	file, err := f.create(e, flags, mode, owner)
	if err == unix.EEXIST && flags&unix.O_EXCL == 0 {
		return f.openEntry(e, flags&^unix.O_CREAT, 0, nil)
	}
	return file, wrapErr(err, "create", path)
}

func (f *FS) create(e *entry, flags int, mode uint32, owner *Owner) (*File, error) {
	var file *File
	err := f.withName(e, func() error {
		var err error
		file, err = f.openEntry(e, flags|unix.O_CREAT|unix.O_EXCL, mode, owner)
		if err == nil {
			file.made = true
		}
		return err
	})
	return file, err
}

// openEntry opens the backing file of e. With O_CREAT it sets the exact
// mode and the owner on the new file.
func (f *FS) openEntry(e *entry, flags int, mode uint32, owner *Owner) (*File, error) {
	write := flags&unix.O_ACCMODE != unix.O_RDONLY
	if write || flags&unix.O_TRUNC != 0 {
		if err := f.checkWritable(); err != nil {
			return nil, err
		}
	}
	bflags := unix.O_RDONLY
	if write || flags&unix.O_TRUNC != 0 {
		bflags = unix.O_RDWR
	}
	// O_NONBLOCK and O_NOCTTY: a FIFO or terminal planted under the name
	// must neither block the open nor become our controlling terminal
	// before newFile rejects it.
	bflags |= flags&(unix.O_CREAT|unix.O_EXCL|unix.O_SYNC|unix.O_DSYNC) | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY
	if flags&unix.O_CREAT == 0 {
		// Opening a device node can have side effects (and a FIFO
		// without O_NONBLOCK would block): look at the type first.
		if err := checkRegular(e.dir, e.disk); err != nil {
			return nil, wrapErr(err, "open", e.path)
		}
	}
	fd, err := unix.Openat(e.dir, e.disk, bflags, mode&07777)
	if err == unix.EACCES && flags&unix.O_ACCMODE == unix.O_WRONLY {
		fd, err = f.openWriteOnly(e, bflags)
	}
	if err != nil {
		if err == unix.EEXIST {
			return nil, err
		}
		return nil, wrapErr(err, "open", e.path)
	}
	file, err := f.newFile(fd, e.path, flags, mode, owner)
	if err != nil {
		unix.Close(fd)
		if flags&unix.O_CREAT != 0 {
			unix.Unlinkat(e.dir, e.disk, 0)
		}
		return nil, err
	}
	return file, nil
}

// checkRegular fails unless name in dirfd is a regular file, without
// opening it: ELOOP for a symlink (as O_NOFOLLOW would), EISDIR for a
// directory, EINVAL for anything else. newFile checks the opened file
// again, so a name swapped in between is still refused.
func checkRegular(dirfd int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFLNK:
		return unix.ELOOP
	case unix.S_IFDIR:
		return unix.EISDIR
	}
	return unix.EINVAL
}

// openWriteOnly opens a file that its owner may write but not read (mode
// 0200, say) for O_WRONLY: the backing file must be opened for reading
// too, because partial-block writes read. Read permission is lent to the
// owner for the open, as gocryptfs does. Anything else stays EACCES.
func (f *FS) openWriteOnly(e *entry, bflags int) (int, error) {
	pfd, err := unix.Openat(e.dir, e.disk, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstat(pfd, &st); err != nil {
		return -1, err
	}
	perm := st.Mode & 07777
	if st.Mode&unix.S_IFMT != unix.S_IFREG || perm&0o600 != 0o200 {
		return -1, unix.EACCES
	}
	if unix.Fchmodat(unix.AT_FDCWD, sysx.ProcPath(pfd), perm|0o400, 0) != nil {
		return -1, unix.EACCES
	}
	defer unix.Fchmodat(unix.AT_FDCWD, sysx.ProcPath(pfd), perm, 0)
	// Reopen the checked inode itself, not the name.
	return unix.Open(sysx.ProcPath(pfd), bflags&^(unix.O_NOFOLLOW|unix.O_CREAT|unix.O_EXCL), 0)
}

func (f *FS) newFile(fd int, path string, flags int, mode uint32, owner *Owner) (*File, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, wrapErr(err, "stat", path)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return nil, wrapErr(unix.EISDIR, "open", path)
	default:
		return nil, wrapErr(unix.EINVAL, "open non-regular file", path)
	}
	if flags&unix.O_CREAT != 0 {
		if err := setMeta(fd, &st, mode, owner); err != nil {
			return nil, wrapErr(err, "create", path)
		}
	}
	// O_NONBLOCK from the open stays: it changes nothing for a regular
	// file (pread/pwrite never block on it), and clearing it costs a call.
	file := &File{fs: f, fd: fd, path: path, append: flags&unix.O_APPEND != 0,
		write: flags&unix.O_ACCMODE != unix.O_RDONLY, sync: flags&(unix.O_SYNC|unix.O_DSYNC) != 0,
		ino: f.inodes.acquire(inodeKey{uint64(st.Dev), st.Ino})}
	if flags&unix.O_TRUNC != 0 && st.Size != 0 {
		if err := file.truncate(0); err != nil {
			file.Close()
			return nil, err
		}
	}
	return file, nil
}

// setMeta gives a new file its exact mode (the process umask must not
// apply) and its owner. st holds the file's attributes and is updated;
// what it already has is not set again (a create as the daemon's own
// user under umask 0 needs neither call).
func setMeta(fd int, st *unix.Stat_t, mode uint32, owner *Owner) error {
	chowned := false
	if owner != nil && (st.Uid != owner.UID || st.Gid != owner.GID) {
		if err := unix.Fchown(fd, int(owner.UID), int(owner.GID)); err != nil {
			return err
		}
		st.Uid, st.Gid, chowned = owner.UID, owner.GID, true // may clear set-ID bits
	}
	if chowned || st.Mode&07777 != mode&07777 {
		if err := unix.Fchmod(fd, mode&07777); err != nil {
			return err
		}
		st.Mode = st.Mode&^07777 | mode&07777
	}
	return nil
}

// Path returns the plaintext path the file was opened by.
func (fl *File) Path() string { return fl.path }

// Close releases the handle. It returns the error of a deferred write
// of the handle that no other call reported.
func (fl *File) Close() error {
	if fl.fd < 0 {
		return nil
	}
	fl.ino.mu.RLock()
	err := fl.settleOwn()
	fl.ino.mu.RUnlock()
	if cerr := unix.Close(fl.fd); err == nil {
		err = cerr
	}
	fl.fd = -1
	fl.fs.inodes.release(fl.ino)
	return err
}

// Stat returns the attributes with the plaintext size.
func (fl *File) Stat() (unix.Stat_t, error) {
	fl.ino.mu.RLock() // no half-done write or truncate
	defer fl.ino.mu.RUnlock()
	fl.ino.settle()
	var st unix.Stat_t
	if err := unix.Fstat(fl.fd, &st); err != nil {
		return st, wrapErr(err, "stat", fl.path)
	}
	st.Size = int64(fl.fs.content.PlainSize(uint64(st.Size)))
	return st, nil
}

// Sync flushes the backing file to stable storage. It first waits for a
// deferred write and returns its error if it failed.
func (fl *File) Sync() error {
	if err := fl.Flush(); err != nil {
		return err
	}
	return wrapErr(unix.Fsync(fl.fd), "fsync", fl.path)
}

// Datasync flushes the backing file's data to stable storage, like Sync.
func (fl *File) Datasync() error {
	if err := fl.Flush(); err != nil {
		return err
	}
	return wrapErr(unix.Fdatasync(fl.fd), "fdatasync", fl.path)
}

// cipherSize returns the backing file size.
func (fl *File) cipherSize() (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fl.fd, &st); err != nil {
		return 0, wrapErr(err, "stat", fl.path)
	}
	return uint64(st.Size), nil
}

// header returns the file header, reading it once per open inode. The
// caller holds ino.mu (shared is enough: a racing load stores the same).
func (fl *File) header() (*crypto.FileHeader, error) {
	if h := fl.ino.hdr.Load(); h != nil {
		return h, nil
	}
	buf := make([]byte, crypto.HeaderSize)
	n, err := unix.Pread(fl.fd, buf, 0)
	if err != nil {
		return nil, wrapErr(err, "read header", fl.path)
	}
	return fl.parseHeader(buf[:n])
}

// parseHeader parses and caches the header read from the file's start.
func (fl *File) parseHeader(buf []byte) (*crypto.FileHeader, error) {
	h, err := crypto.ParseHeader(buf)
	if err != nil {
		return nil, &CorruptError{Path: fl.path, What: "file header", Err: err}
	}
	fl.ino.hdr.Store(&h)
	return &h, nil
}

// ReadAt reads plaintext at off. It follows io.ReaderAt: a short read
// returns io.EOF. A block that does not authenticate fails the read with
// a *CorruptError naming the block.
func (fl *File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, wrapErr(unix.EINVAL, "read", fl.path)
	}
	if len(p) == 0 {
		return 0, nil
	}
	fl.ino.mu.RLock()
	defer fl.ino.mu.RUnlock()
	fl.ino.settle()
	csize, err := fl.cipherSize()
	if err != nil {
		return 0, err
	}
	if err := fl.checkSynced(csize, uint64(off), len(p)); err != nil {
		return 0, err
	}
	plain := fl.fs.content.PlainSize(csize)
	if uint64(off) >= plain {
		return 0, io.EOF
	}
	n := int(min(uint64(len(p)), plain-uint64(off)))
	if err := fl.readPlain(p[:n], uint64(off), csize); err != nil {
		return 0, err
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readPlain fills p with the plaintext at off, which lies inside the file.
// Whole blocks are opened straight into p; only a partial first or last
// block goes through a scratch block.
func (fl *File) readPlain(p []byte, off, csize uint64) error {
	c := fl.fs.content
	first, count := crypto.BlockRange(off, uint64(len(p)))
	start := uint64(c.BlockOffset(first))
	end := min(start+count*uint64(c.CipherBlockSize()), csize)
	// A first read from block 0 takes the header along: one pread.
	h := fl.ino.hdr.Load()
	from := start
	if h == nil && first == 0 {
		from = 0
	}
	bufp := fl.fs.bufs.get(int(end - from))
	defer fl.fs.bufs.put(bufp)
	buf := *bufp
	if err := sysx.PreadFull(fl.fd, buf, int64(from)); err != nil {
		return wrapErr(err, "read", fl.path)
	}
	var err error
	switch {
	case h != nil:
	case from == 0:
		h, err = fl.parseHeader(buf[:start])
	default:
		h, err = fl.header()
	}
	if err != nil {
		return err
	}
	buf = buf[start-from:]
	cbs := c.CipherBlockSize()
	return forBlocks(int(count), func(lo, hi int) error {
		var scratch []byte
		for i := lo; i < hi; i++ {
			b := first + uint64(i)
			piece := buf[min(i*cbs, len(buf)):min((i+1)*cbs, len(buf))]
			bStart := b * crypto.BlockSize
			// The part of block b that p wants: [from, to) within the block.
			from := max(off, bStart) - bStart
			to := min(off+uint64(len(p)), bStart+crypto.BlockSize) - bStart
			dst := p[bStart+from-off:]
			whole := from == 0 && to == crypto.BlockSize
			var out []byte
			var err error
			if whole {
				out, err = c.OpenBlock(dst[:0], piece, b, h.ID[:])
			} else {
				if scratch == nil {
					scratch = make([]byte, 0, crypto.BlockSize)
				}
				out, err = c.OpenBlock(scratch[:0], piece, b, h.ID[:])
			}
			if err != nil {
				return &CorruptError{Path: fl.path, What: fmt.Sprintf("block %d", b), Err: err}
			}
			if !whole {
				copy(dst[:to-from], out[from:min(to, uint64(len(out)))])
			}
		}
		return nil
	})
}
