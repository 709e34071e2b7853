package transfer

import (
	"bytes"

	"github.com/cofferfs/cofferfs/crypto"
)

// chunkSize is how much file data is read and written at once: a whole
// number of blocks, so that writes into the vault never need a
// read-modify-write.
const chunkSize = 256 * crypto.BlockSize

var zeroBlock [crypto.BlockSize]byte

// writerAt is the write side of a file copy: an *os.File or an *fs.File.
type writerAt interface {
	WriteAt(p []byte, off int64) (int, error)
}

// writeData writes p, which belongs at off (a multiple of the block
// size), to w, leaving out every all-zero block so that the destination
// gets a hole there. Runs of data blocks go out in one write.
func writeData(w writerAt, p []byte, off int64) error {
	start := -1 // start of the pending run of data blocks
	for i := 0; i < len(p); i += crypto.BlockSize {
		blk := p[i:min(i+crypto.BlockSize, len(p))]
		if bytes.Equal(blk, zeroBlock[:len(blk)]) {
			if start >= 0 {
				if _, err := w.WriteAt(p[start:i], off+int64(start)); err != nil {
					return err
				}
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		_, err := w.WriteAt(p[start:], off+int64(start))
		return err
	}
	return nil
}
