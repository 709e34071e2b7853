package crypto

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
)

// Sizes of the file header (docs/format.md §4.1).
const (
	// HeaderSize is the size of the header in front of non-empty files.
	HeaderSize = 18
	// FileIDSize is the size of the random file ID in the header.
	FileIDSize = 16
	// FormatVersion is the on-disk format version in headers and configs.
	FormatVersion = 2
)

// ErrBadHeader is returned for a file header that is not valid.
var ErrBadHeader = errors.New("crypto: invalid file header")

// FileHeader is the 18-byte header of a non-empty content file.
type FileHeader struct {
	// ID is the file ID, bound into every block's AAD.
	ID [FileIDSize]byte
}

// NewFileHeader returns a header with a fresh random file ID.
func NewFileHeader() FileHeader {
	var h FileHeader
	for allZero(h.ID[:]) {
		rand.Read(h.ID[:])
	}
	return h
}

// ParseHeader parses the first HeaderSize bytes of b. It rejects short
// input, a version other than 2 and an all-zero file ID.
func ParseHeader(b []byte) (FileHeader, error) {
	var h FileHeader
	if len(b) < HeaderSize {
		return h, ErrBadHeader
	}
	if binary.BigEndian.Uint16(b) != FormatVersion || allZero(b[2:HeaderSize]) {
		return h, ErrBadHeader
	}
	copy(h.ID[:], b[2:HeaderSize])
	return h, nil
}

// Marshal returns the 18 stored bytes of the header.
func (h FileHeader) Marshal() []byte {
	b := make([]byte, HeaderSize)
	binary.BigEndian.PutUint16(b, FormatVersion)
	copy(b[2:], h.ID[:])
	return b
}
