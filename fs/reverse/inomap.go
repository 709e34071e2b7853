package reverse

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Inode numbers of the view, as gocryptfs -reverse shows them: a plain
// object keeps its inode number (and so the paths of a hard link share
// one), while each kind of virtual file takes the inode number of the
// plain object it belongs to (gocryptfs.diriv: its directory; .name
// files: the long-named object) in a namespace of its own, the top 16
// bits. Namespaces are numbered in the order a (device, kind) pair is
// first seen: 0 is the plain directory's device with plain objects, and
// the first virtual kind stat'ed gets 1, the next 2 (so a virtual file's
// number depends on which kind was looked at first, as in gocryptfs).
// Inode numbers that do not fit in 48 bits, or devices beyond the 16-bit
// namespace, get numbers counted from 2^63 in the order they are seen.

// inoBits is the width of a passed-through inode number.
const inoBits = 48

// spillBase is where numbers of objects that do not fit start.
const spillBase = 1 << 63

// inoTag tells plain objects from the virtual files derived from them.
type inoTag uint8

const (
	tagPlain    inoTag = iota // plain objects, gocryptfs.conf
	tagDirIV                  // gocryptfs.diriv
	tagNameFile               // gocryptfs.longname.*.name
)

type nsKey struct {
	dev uint64
	tag inoTag
}

type spillKey struct {
	nsKey
	ino uint64
}

// inoMap numbers view objects; it is safe for concurrent use.
type inoMap struct {
	mu     sync.Mutex
	ns     map[nsKey]uint64
	spills map[spillKey]uint64
}

// newInoMap starts the numbering with the plain directory's device.
func newInoMap(rootDev uint64) *inoMap {
	return &inoMap{ns: map[nsKey]uint64{{rootDev, tagPlain}: 0}, spills: map[spillKey]uint64{}}
}

// number returns the view inode number of the plain object (dev, ino)
// seen as tag.
func (m *inoMap) number(dev, ino uint64, tag inoTag) uint64 {
	k := nsKey{dev, tag}
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.ns[k]
	if !ok && len(m.ns) < 1<<(64-inoBits)-1 {
		id, ok = uint64(len(m.ns)), true
		m.ns[k] = id
	}
	if ok && ino>>inoBits == 0 {
		return id<<inoBits | ino
	}
	sk := spillKey{k, ino}
	n, seen := m.spills[sk]
	if !seen {
		n = spillBase + uint64(len(m.spills))
		m.spills[sk] = n
	}
	return n
}

// statIno returns the view inode number of a plain stat seen as tag.
func (m *inoMap) statIno(st *unix.Stat_t, tag inoTag) uint64 {
	return m.number(st.Dev, st.Ino, tag)
}
