package fs

import (
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/syncname"
)

// Most directories hold no conflict copy. A lookup asks the directory's
// dirConflicts first, so that a name (dashed or not, existing or not) in
// such a directory costs no probe for copies: a missing
// "2026-11-30-backup.tar" is one fstatat, not a dozen openat/faccessat
// probes for the copies its dashes could stand for.
//
// The record comes from one listing of the backing directory and lives
// as long as the directory's cache entry (dirCacheTTL at most), so a
// conflict copy a sync client adds is found at most dirCacheTTL later,
// or at once after InvalidateDir (the mount's watcher calls it). Names
// this FS creates are never conflict-shaped, so its own changes leave
// the record valid.

// dirConflicts is what one listing of a backing directory says about
// the conflict copies in it.
type dirConflicts struct {
	// marked: some backing name may be a conflict copy (it has a marker
	// reading and is not a name that decrypts as it is).
	marked bool
	// ivs are the valid IVs of the directory's diriv conflict copies, in
	// the order findIVCopies gives them.
	ivs     [][]byte
	expires time.Time
}

// conflictsIn returns the record of backing directory dirfd (name IV iv),
// kept on its cache reference ref (nil for the root).
func (f *FS) conflictsIn(dirfd int, iv []byte, ref *dirRef) *dirConflicts {
	slot := f.conflictSlot(ref)
	now := time.Now()
	if c := slot.Load(); c != nil && now.Before(c.expires) {
		return c
	}
	c := f.scanConflicts(dirfd, iv, now)
	slot.Store(c)
	return c
}

// scanConflicts lists dirfd and builds its record. A listing that fails
// gives a record that sends lookups down the full probe (and expires at
// once).
func (f *FS) scanConflicts(dirfd int, iv []byte, now time.Time) *dirConflicts {
	raw, err := readDirents(dirfd)
	if err != nil {
		return &dirConflicts{marked: true, expires: now}
	}
	c := &dirConflicts{expires: now.Add(dirCacheTTL)}
	for _, cp := range f.findIVCopies(dirfd, raw) {
		if cp.iv != nil {
			c.ivs = append(c.ivs, cp.iv)
		}
	}
	for _, r := range raw {
		if f.mayBeCopy(r.Name, iv) {
			c.marked = true
			break
		}
	}
	return c
}

// noteConflicts stores the record a listing raw of d found (marked: a
// name in it may be a conflict copy), fresher than the one it replaces.
func (f *FS) noteConflicts(d openedDir, raw []DirEntry, marked bool) {
	c := &dirConflicts{marked: marked, expires: time.Now().Add(dirCacheTTL)}
	for _, cp := range f.findIVCopies(d.fd, raw) {
		if cp.iv != nil {
			c.ivs = append(c.ivs, cp.iv)
		}
	}
	f.conflictSlot(d.ref).Store(c)
}

func (f *FS) conflictSlot(ref *dirRef) *atomic.Pointer[dirConflicts] {
	if ref != nil {
		return &ref.conflicts
	}
	return &f.rootConflicts
}

// mayBeCopy reports whether backing name disk may be a conflict copy:
// it has a marker reading, and it is neither a well-formed hashed name
// nor a name that decrypts with the directory's IV (base64url has
// dashes, so most encrypted names have a OneDrive reading).
func (f *FS) mayBeCopy(disk string, iv []byte) bool {
	if len(syncname.Split(disk)) == 0 {
		return false
	}
	if strings.HasPrefix(disk, "gocryptfs") {
		return !wellFormedLong(disk)
	}
	if iv == nil {
		return true
	}
	_, err := f.names.DecryptName(disk, iv)
	return err != nil
}

// InvalidateDir forgets what the FS caches about the backing directory
// of plaintext path and everything below it (descriptors, name IVs,
// conflict records). A watcher of the backing directory calls it when
// something other than this FS changed it.
func (f *FS) InvalidateDir(path string) {
	f.dirs.invalidate(strings.Trim(path, "/"))
	if path == "" {
		f.rootConflicts.Store(nil)
	}
}

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
