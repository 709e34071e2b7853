package crypto

import (
	"bytes"
	"errors"
	"testing"
)

func TestNewFileHeader(t *testing.T) {
	a, b := NewFileHeader(), NewFileHeader()
	if !independent(a.ID[:], b.ID[:]) {
		t.Fatalf("file IDs %x and %x are not fresh", a.ID, b.ID)
	}
	m := a.Marshal()
	if len(m) != HeaderSize || m[0] != 0 || m[1] != 2 || !bytes.Equal(m[2:], a.ID[:]) {
		t.Fatalf("Marshal = %x", m)
	}
	back, err := ParseHeader(m)
	if err != nil || back != a {
		t.Fatalf("ParseHeader(Marshal) = %x, %v", back.ID, err)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	good := append([]byte{0, 2}, testFileID...)
	cases := map[string][]byte{
		"empty":        nil,
		"version only": {0, 2},
		"17 bytes":     good[:17],
		"all zero":     make([]byte, HeaderSize),
		"zero ID":      append([]byte{0, 2}, make([]byte, FileIDSize)...),
		"version 0":    append([]byte{0, 0}, testFileID...),
		"version 1":    append([]byte{0, 1}, testFileID...),
		"version 3":    append([]byte{0, 3}, testFileID...),
		"little end":   append([]byte{2, 0}, testFileID...),
		"version 258":  append([]byte{1, 2}, testFileID...),
	}
	for name, b := range cases {
		if _, err := ParseHeader(b); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%s: ParseHeader(%x) = %v, want ErrBadHeader", name, b, err)
		}
	}
	// Extra bytes after the header (the first block) are ignored.
	h, err := ParseHeader(append(good, 0xff, 0xee))
	if err != nil || !bytes.Equal(h.ID[:], testFileID) {
		t.Errorf("header with trailing data: %x, %v", h.ID, err)
	}
	// A zero ID followed by non-zero block bytes is still a zero ID.
	if _, err := ParseHeader(append(cases["zero ID"], 1, 2, 3)); err == nil {
		t.Error("zero ID accepted when followed by data")
	}
}

// TestHeaderTamper flips every byte of a real header: the result is either
// rejected or names another file ID, and then block 0 does not open.
func TestHeaderTamper(t *testing.T) {
	for alg, c := range codecs(t) {
		h := NewFileHeader()
		hdr := h.Marshal()
		blk := c.SealBlock(nil, []byte("content"), 0, h.ID[:])
		for i := range hdr {
			for _, mask := range []byte{0x01, 0x80, 0xff} {
				hdr[i] ^= mask
				got, err := ParseHeader(hdr)
				switch {
				case i < 2 && err == nil:
					t.Fatalf("%v: version byte %d ^ %#x accepted", alg, i, mask)
				case i >= 2 && err == nil && got.ID == h.ID:
					t.Fatalf("%v: ID byte %d ^ %#x not seen", alg, i, mask)
				case err == nil:
					mustNotOpen(t, c, blk, 0, got.ID[:], "tampered header ID")
				}
				hdr[i] ^= mask
			}
		}
	}
}
