package fs

import (
	"github.com/cofferfs/cofferfs/fs/syncname"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// findIVCopies returns the conflict copies of gocryptfs.diriv among the
// entries raw of dirfd, sorted by backing name: the order in which
// lookups try their IVs.
func (f *FS) findIVCopies(dirfd int, raw []DirEntry) []ivCopy {
	if !f.opts.DirIV {
		return nil
	}
	var out []ivCopy
	for _, r := range raw {
		if !strings.HasPrefix(r.Name, "gocryptfs") || wellFormedLong(r.Name) {
			continue
		}
		for _, m := range syncname.Split(r.Name) {
			if m.Orig == crypto.DirIVName {
				out = append(out, ivCopy{disk: r.Name, marker: m.Marker, iv: readIVFile(dirfd, r.Name)})
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b ivCopy) int { return strings.Compare(a.disk, b.disk) })
	return out
}

// ivCopyCache remembers, per backing directory, the IVs of its diriv
// conflict copies (usually none), so that looking up names that do not
// exist reads a directory at most once per dirCacheTTL. Only sync
// clients make such copies, and they are noticed as late as the
// directory cache notices other changes behind our back.
type ivCopyCache struct {
	mu sync.Mutex
	m  map[[2]uint64]ivCopyRecord // device and inode of the directory
}

type ivCopyRecord struct {
	ivs     [][]byte
	expires time.Time
}

// get returns the valid IVs of the diriv conflict copies of dirfd, in
// the order findIVCopies gives them.
func (c *ivCopyCache) get(f *FS, dirfd int) [][]byte {
	var st unix.Stat_t
	if unix.Fstat(dirfd, &st) != nil {
		return nil
	}
	key, now := [2]uint64{st.Dev, st.Ino}, time.Now()
	c.mu.Lock()
	r, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Before(r.expires) {
		return r.ivs
	}
	raw, err := readDirents(dirfd)
	if err != nil {
		return nil
	}
	r = ivCopyRecord{expires: now.Add(dirCacheTTL)}
	for _, cp := range f.findIVCopies(dirfd, raw) {
		if cp.iv != nil {
			r.ivs = append(r.ivs, cp.iv)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= dirCacheMax {
		c.m = map[[2]uint64]ivCopyRecord{} // start over rather than grow
	}
	c.m[key] = r
	return r.ivs
}
