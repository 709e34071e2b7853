package fs

import (
	"math"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// WriteAt writes plaintext at off (at the end of the file when the handle
// was opened with O_APPEND). Partial blocks are read, merged and sealed
// again with a fresh nonce; a write past the end leaves a hole.
func (fl *File) WriteAt(p []byte, off int64) (int, error) {
	if !fl.write {
		return 0, wrapErr(unix.EBADF, "write", fl.path)
	}
	if off < 0 {
		return 0, wrapErr(unix.EINVAL, "write", fl.path)
	}
	if len(p) == 0 {
		return 0, nil
	}
	fl.fs.noteChange(fl.path)
	fl.ino.mu.Lock()
	defer fl.ino.mu.Unlock()
	if took, err := fl.writeBehind(p, uint64(off)); took {
		if err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if err := fl.settleOwn(); err != nil {
		return 0, err
	}
	if err := fl.writeLocked(p, uint64(off), fl.append); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeLocked does the work of WriteAt under the exclusive content lock.
// With atEnd the data goes to the end of the file, whatever off says.
func (fl *File) writeLocked(p []byte, off uint64, atEnd bool) error {
	csize, err := fl.cipherSize()
	if err != nil {
		return err
	}
	c := fl.fs.content
	plain := c.PlainSize(csize)
	if atEnd {
		off = plain
	}
	if off+uint64(len(p)) > maxPlain(c) {
		return wrapErr(unix.EFBIG, "write", fl.path)
	}
	h, err := fl.headerForWrite(plain, csize)
	if err != nil {
		return err
	}
	// undo is the backing size that keeps the old content if the write
	// fails (0 drops a header that was just written).
	undo := int64(csize)
	if plain == 0 {
		undo = 0
	}
	// A write that starts beyond the block holding the old end pads that
	// block to full size first, so the file never ends in a short block
	// followed by holes.
	first, a := off/crypto.BlockSize, plain/crypto.BlockSize
	pad := first > a && plain%crypto.BlockSize != 0
	// The space the write adds (not the holes it leaves) is reserved
	// before any block is rewritten, so a full disk fails the write with
	// ENOSPC and leaves the file as it was.
	// A write that only adds blocks after the old ones needs no
	// reservation: cutting the file back to undo restores it.
	size := max(undo, crypto.HeaderSize)
	if pad {
		err = fl.reserve(size, c.BlockOffset(a+1))
		size = c.BlockOffset(a + 1)
	}
	if rewrites := first < (plain+crypto.BlockSize-1)/crypto.BlockSize; err == nil && (pad || rewrites) {
		err = fl.reserve(max(size, c.BlockOffset(first)), int64(c.CipherSize(max(plain, off+uint64(len(p))))))
	}
	if err == nil && pad {
		if err = fl.padBlock(h, a, plain); err == nil {
			plain, undo = (a+1)*crypto.BlockSize, c.BlockOffset(a+1)
		}
	}
	var sealed *[]byte
	if err == nil {
		sealed, err = fl.sealRange(h, p, off, plain)
	}
	if err == nil {
		err = wrapErr(sysx.WriteAll(fl.fd, *sealed, c.BlockOffset(first)), "write", fl.path)
		fl.fs.bufs.put(sealed)
	}
	if err != nil {
		unix.Ftruncate(fl.fd, undo)
	}
	return err
}

// maxPlain is the largest plaintext size a file can have: beyond it the
// backing offsets would not fit in an int64 and wrap around.
func maxPlain(c *crypto.ContentCipher) uint64 {
	return c.PlainSize(math.MaxInt64 - uint64(c.CipherBlockSize()))
}

// reserve allocates the backing range [from, to), which lies past the
// end of the file. File systems without fallocate are written without
// a reservation.
func (fl *File) reserve(from, to int64) error {
	if to <= from {
		return nil
	}
	err := unix.Fallocate(fl.fd, 0, from, to-from)
	if err == unix.EOPNOTSUPP {
		return nil
	}
	return wrapErr(err, "write", fl.path)
}

// headerForWrite returns the header, writing a fresh one (new file ID)
// when the file is empty or only a header stub.
func (fl *File) headerForWrite(plain, csize uint64) (*crypto.FileHeader, error) {
	if plain > 0 {
		return fl.header()
	}
	h := crypto.NewFileHeader()
	if csize > 0 {
		// A header stub (1..18 bytes) is replaced by a fresh header.
		if err := unix.Ftruncate(fl.fd, 0); err != nil {
			return nil, wrapErr(err, "truncate", fl.path)
		}
	}
	if err := sysx.WriteAll(fl.fd, h.Marshal(), 0); err != nil {
		unix.Ftruncate(fl.fd, 0)
		return nil, wrapErr(err, "write header", fl.path)
	}
	fl.ino.hdr.Store(&h)
	return &h, nil
}

// padBlock rewrites block b, the last and partial one, zero-padded to a
// full block. The caller has reserved the space.
func (fl *File) padBlock(h *crypto.FileHeader, b, plain uint64) error {
	blk, err := fl.readBlock(h, b, plain)
	if err != nil {
		return err
	}
	blk = append(blk, make([]byte, crypto.BlockSize-len(blk))...)
	c := fl.fs.content
	return wrapErr(sysx.WriteAll(fl.fd, c.SealBlock(nil, blk, b, h.ID[:]), c.BlockOffset(b)), "write", fl.path)
}

// readBlock returns the plaintext of block b of a file of plain bytes.
// The backing file may already be longer (space reserved for a write).
func (fl *File) readBlock(h *crypto.FileHeader, b, plain uint64) ([]byte, error) {
	n := min(crypto.BlockSize, plain-b*crypto.BlockSize)
	buf := make([]byte, n)
	csize, err := fl.cipherSize()
	if err != nil {
		return nil, err
	}
	csize = min(csize, fl.fs.content.CipherSize(plain))
	if err := fl.readPlain(buf, b*crypto.BlockSize, csize); err != nil {
		return nil, err
	}
	return buf, nil
}

// sealRange merges p at off into the blocks it touches and returns them
// sealed, ready to be written contiguously from the first block, in a
// pooled buffer the caller returns with fl.fs.bufs.put. Blocks that p
// covers whole are sealed straight from p; only a partial first or last
// block is read and merged.
func (fl *File) sealRange(h *crypto.FileHeader, p []byte, off, plain uint64) (*[]byte, error) {
	c := fl.fs.content
	first, count := crypto.BlockRange(off, uint64(len(p)))
	cbs := uint64(c.CipherBlockSize())
	end := off + uint64(len(p))
	lastEnd := max(min(plain, (first+count)*crypto.BlockSize), end) // plaintext end of the last block
	outp := fl.fs.bufs.get(int((count-1)*cbs + (lastEnd - (first+count-1)*crypto.BlockSize) + uint64(c.Overhead())))
	out := *outp
	err := forBlocks(int(count), func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			b := first + uint64(i)
			blk, err := fl.mergeBlock(h, p, off, b, plain)
			if err != nil {
				return err
			}
			c.SealBlock(out[uint64(i)*cbs:uint64(i)*cbs], blk, b, h.ID[:])
		}
		return nil
	})
	if err != nil {
		fl.fs.bufs.put(outp)
		return nil, err
	}
	return outp, nil
}

// mergeBlock returns the new plaintext of block b: p's bytes over the
// old content. It aliases p when p covers the block whole.
func (fl *File) mergeBlock(h *crypto.FileHeader, p []byte, off, b, plain uint64) ([]byte, error) {
	bStart := b * crypto.BlockSize
	end := off + uint64(len(p))
	have := uint64(0)
	if plain > bStart {
		have = min(crypto.BlockSize, plain-bStart)
	}
	ws := max(off, bStart) - bStart
	we := min(end, bStart+crypto.BlockSize) - bStart
	if ws == 0 && we >= have {
		return p[bStart-off : bStart-off+we], nil
	}
	var blk []byte
	if have > 0 {
		var err error
		if blk, err = fl.readBlock(h, b, plain); err != nil {
			return nil, err
		}
	}
	blk = append(blk, make([]byte, max(have, we)-uint64(len(blk)))...)
	copy(blk[ws:we], p[bStart+ws-off:])
	return blk, nil
}

// Truncate sets the plaintext size. Shrinking re-seals the new last block;
// growing leaves holes, as gocryptfs does.
func (fl *File) Truncate(size uint64) error {
	if err := fl.fs.checkWritable(); err != nil {
		return err
	}
	if !fl.write {
		return wrapErr(unix.EINVAL, "truncate a handle not open for writing", fl.path)
	}
	return fl.truncate(size)
}

// truncate does the work of Truncate (and of O_TRUNC).
func (fl *File) truncate(size uint64) error {
	if size > maxPlain(fl.fs.content) {
		return wrapErr(unix.EFBIG, "truncate", fl.path)
	}
	fl.fs.noteChange(fl.path)
	fl.ino.mu.Lock()
	defer fl.ino.mu.Unlock()
	if err := fl.settleOwn(); err != nil {
		return err
	}
	csize, err := fl.cipherSize()
	if err != nil {
		return err
	}
	plain := fl.fs.content.PlainSize(csize)
	switch {
	case size == 0:
		fl.ino.hdr.Store(nil)
		return wrapErr(unix.Ftruncate(fl.fd, 0), "truncate", fl.path)
	case size < plain:
		return fl.shrink(plain, size)
	case size > plain:
		return fl.grow(csize, plain, size)
	}
	if csize != fl.fs.content.CipherSize(plain) && plain == 0 {
		// A header stub with nothing in it: make it a clean empty file.
		return wrapErr(unix.Ftruncate(fl.fd, 0), "truncate", fl.path)
	}
	return nil
}

func (fl *File) shrink(plain, size uint64) error {
	c := fl.fs.content
	h, err := fl.header()
	if err != nil {
		return err
	}
	last := (size - 1) / crypto.BlockSize
	keep := size - last*crypto.BlockSize
	if keep == crypto.BlockSize {
		return wrapErr(unix.Ftruncate(fl.fd, c.BlockOffset(last+1)), "truncate", fl.path)
	}
	blk, err := fl.readBlock(h, last, plain)
	if err != nil {
		return err
	}
	blk = blk[:keep]
	// Cut at the start of the new last block first (docs/format.md §4.4), so that
	// an interrupted shrink never leaves a short block in front of old
	// ciphertext bytes.
	if err := unix.Ftruncate(fl.fd, c.BlockOffset(last)); err != nil {
		return wrapErr(err, "truncate", fl.path)
	}
	return wrapErr(sysx.WriteAll(fl.fd, c.SealBlock(nil, blk, last, h.ID[:]), c.BlockOffset(last)), "truncate", fl.path)
}

func (fl *File) grow(csize, plain, size uint64) error {
	sameBlock := plain > 0 && (plain-1)/crypto.BlockSize == (size-1)/crypto.BlockSize
	if sameBlock || size%crypto.BlockSize != 0 {
		return fl.writeLocked([]byte{0}, size-1, false)
	}
	h, err := fl.headerForWrite(plain, csize)
	if err != nil {
		return err
	}
	c := fl.fs.content
	if a := plain / crypto.BlockSize; plain%crypto.BlockSize != 0 {
		err := fl.reserve(int64(csize), c.BlockOffset(a+1))
		if err == nil {
			err = fl.padBlock(h, a, plain)
		}
		if err != nil {
			unix.Ftruncate(fl.fd, int64(csize))
			return err
		}
	}
	return wrapErr(unix.Ftruncate(fl.fd, int64(c.CipherSize(size))), "truncate", fl.path)
}
