package crypto

import (
	"crypto/sha256"
	"encoding/binary"
)

// Purposes of reverse-mode path IVs (spec §9.2).
const (
	PurposeDirIV     = "DIRIV"
	PurposeFileID    = "FILEID"
	PurposeBlock0IV  = "BLOCK0IV"
	PurposeSymlinkIV = "SYMLINKIV"
)

// ReverseConfigName is the config file of a reverse-mode plain directory;
// the view shows it as ConfigName.
const ReverseConfigName = ".gocryptfs.reverse.conf"

// PathIV derives a reverse-mode value from a view path ("" for the root,
// "/"-separated encrypted names): the first 16 bytes of
// SHA-256(path || 0x00 || purpose).
func PathIV(path, purpose string) []byte {
	h := sha256.New()
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(purpose))
	return h.Sum(nil)[:16]
}

// BlockNonce returns the reverse-mode nonce of block n: block0 with its
// last 8 bytes, read as a big-endian uint64, increased by n (mod 2^64).
func BlockNonce(block0 []byte, n uint64) []byte {
	out := make([]byte, len(block0))
	copy(out, block0)
	tail := out[len(out)-8:]
	binary.BigEndian.PutUint64(tail, binary.BigEndian.Uint64(tail)+n)
	return out
}
