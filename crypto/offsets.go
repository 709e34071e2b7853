package crypto

// Offset and size arithmetic between the plaintext view and the backing
// file (docs/format.md §4.6). All of it depends only on the codec's overhead.

// PlainSize returns the plaintext size of a backing file of cipherSize
// bytes. Header-only and shorter files count as empty. A trailing fragment
// too short to hold a byte counts as one byte, as gocryptfs does; reading it
// fails authentication.
func (c *ContentCipher) PlainSize(cipherSize uint64) uint64 {
	if cipherSize <= HeaderSize {
		return 0
	}
	o := uint64(c.Overhead())
	cbs := uint64(c.CipherBlockSize())
	body := cipherSize - HeaderSize
	if r := body % cbs; r > 0 && r <= o {
		body = body - r + o + 1
	}
	blocks := (body + cbs - 1) / cbs
	return body - blocks*o
}

// CipherSize returns the backing file size that holds plainSize bytes.
func (c *ContentCipher) CipherSize(plainSize uint64) uint64 {
	if plainSize == 0 {
		return 0
	}
	blocks := (plainSize + BlockSize - 1) / BlockSize
	return HeaderSize + plainSize + blocks*uint64(c.Overhead())
}

// BlockOffset returns the backing offset where block blockNo starts.
func (c *ContentCipher) BlockOffset(blockNo uint64) int64 {
	return int64(HeaderSize + blockNo*uint64(c.CipherBlockSize()))
}

// FragmentValid reports whether cipherSize is a size a well-formed file can
// have: 0, or a header followed by blocks whose last one holds 1..4096 bytes.
func (c *ContentCipher) FragmentValid(cipherSize uint64) bool {
	if cipherSize == 0 {
		return true
	}
	if cipherSize <= HeaderSize {
		return false
	}
	r := (cipherSize - HeaderSize) % uint64(c.CipherBlockSize())
	return r == 0 || r > uint64(c.Overhead())
}

// BlockRange returns the first block and the number of blocks that cover
// length plaintext bytes starting at offset. length 0 covers no block.
func BlockRange(offset, length uint64) (first, count uint64) {
	if length == 0 {
		return offset / BlockSize, 0
	}
	first = offset / BlockSize
	last := (offset + length - 1) / BlockSize
	return first, last - first + 1
}
