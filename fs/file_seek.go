package fs

import (
	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// Grow extends the file to size if it is smaller (fallocate mode 0): the
// new range reads as zeros. A larger file is left alone.
func (fl *File) Grow(size uint64) error {
	st, err := fl.Stat()
	if err != nil || uint64(st.Size) >= size {
		return err
	}
	return fl.Truncate(size)
}

// Seek implements lseek's SEEK_DATA and SEEK_HOLE on the plaintext. A hole
// is reported only where a whole block is a hole in the backing file, so
// a tool that skips holes never skips data; the end of the file counts as
// a hole. Other whence values are not handled here (EINVAL).
func (fl *File) Seek(off uint64, whence int) (uint64, error) {
	fl.ino.mu.RLock()
	defer fl.ino.mu.RUnlock()
	fl.ino.settle()
	csize, err := fl.cipherSize()
	if err != nil {
		return 0, err
	}
	plain := fl.fs.content.PlainSize(csize)
	if off >= plain {
		return 0, wrapErr(unix.ENXIO, "seek", fl.path)
	}
	switch whence {
	case unix.SEEK_DATA:
		return fl.seekData(off, plain)
	case unix.SEEK_HOLE:
		return fl.seekHole(off, plain, csize)
	}
	return 0, wrapErr(unix.EINVAL, "seek", fl.path)
}

// blockAt returns the block that contains backing offset pos.
func (fl *File) blockAt(pos int64) uint64 {
	if pos < crypto.HeaderSize {
		return 0
	}
	return uint64(pos-crypto.HeaderSize) / uint64(fl.fs.content.CipherBlockSize())
}

func (fl *File) seekData(off, plain uint64) (uint64, error) {
	pos, err := unix.Seek(fl.fd, fl.fs.content.BlockOffset(off/crypto.BlockSize), unix.SEEK_DATA)
	if err != nil {
		return 0, wrapErr(err, "seek", fl.path)
	}
	r := max(off, fl.blockAt(pos)*crypto.BlockSize)
	if r >= plain {
		return 0, wrapErr(unix.ENXIO, "seek", fl.path)
	}
	return r, nil
}

func (fl *File) seekHole(off, plain, csize uint64) (uint64, error) {
	c := fl.fs.content
	cbs := int64(c.CipherBlockSize())
	pos := c.BlockOffset(off / crypto.BlockSize)
	for pos < int64(csize) {
		h, err := unix.Seek(fl.fd, pos, unix.SEEK_HOLE)
		if err != nil || h >= int64(csize) {
			break
		}
		blk := fl.blockAt(h + cbs - 1) // first block starting at or after h
		bo := c.BlockOffset(blk)
		d, err := unix.Seek(fl.fd, bo, unix.SEEK_DATA)
		if err == unix.ENXIO || (err == nil && d >= bo+cbs) {
			return min(max(off, blk*crypto.BlockSize), plain), nil
		}
		if err != nil {
			break
		}
		pos = d
	}
	return plain, nil
}
