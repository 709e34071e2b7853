package fs

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Entries a listing leaves out (names that do not decrypt, downloads and
// placeholders of sync clients, long names waiting for their .name file,
// conflict copies with an unknown marker) are logged, and counted for
// `cofferfs status`. A listing logs only the entries its directory's
// previous listing did not hide already, at most hiddenLogPerDir of them
// per kind; the rest of that kind is one summary line. Listing the same
// directory again logs nothing new.

// hiddenLogPerDir is how many new hidden entries of one kind a listing
// logs one by one.
const hiddenLogPerDir = 5

// hiddenTrackMax and hiddenTrackTotal bound the names remembered per
// directory and in all; beyond them, entries are counted but not told
// apart from earlier ones (so they may be logged again, still within
// the per-listing limit).
const (
	hiddenTrackMax   = 1024
	hiddenTrackTotal = 64 << 10
)

// hiddenLog is what the latest listing of each backing directory hid.
type hiddenLog struct {
	mu      sync.Mutex
	dirs    map[[2]uint64]hiddenDir // device and inode of the backing directory
	total   int
	tracked int // names remembered in all dirs
}

// hiddenDir is what one listing hid.
type hiddenDir struct {
	names map[string]bool
	count int
}

// Hidden returns how many backing entries the latest listing of each
// directory left out.
func (f *FS) Hidden() int {
	f.hidden.mu.Lock()
	defer f.hidden.mu.Unlock()
	return f.hidden.total
}

// noteHidden records the entries the listing of the directory dirfd
// left out and logs those its previous listing did not hide.
func (f *FS) noteHidden(dirfd int, bad []BadName) {
	var st unix.Stat_t
	if unix.Fstat(dirfd, &st) != nil {
		return
	}
	prev := f.hidden.swap([2]uint64{st.Dev, st.Ino}, bad)
	f.logNewHidden(prev, bad)
}

// swap stores what the latest listing of the directory key hid and
// returns what the one before hid.
func (h *hiddenLog) swap(key [2]uint64, bad []BadName) hiddenDir {
	h.mu.Lock()
	defer h.mu.Unlock()
	prev := h.dirs[key]
	h.total += len(bad) - prev.count
	h.tracked -= len(prev.names)
	if len(bad) == 0 {
		delete(h.dirs, key)
		return prev
	}
	if h.dirs == nil {
		h.dirs = map[[2]uint64]hiddenDir{}
	}
	room := max(0, min(hiddenTrackMax, hiddenTrackTotal-h.tracked, len(bad)))
	next := hiddenDir{names: make(map[string]bool, room), count: len(bad)}
	for _, b := range bad[:room] {
		next.names[b.Disk] = true
	}
	h.dirs[key] = next
	h.tracked += len(next.names)
	return prev
}

// logNewHidden logs the entries of bad that prev does not hold, at most
// hiddenLogPerDir of each kind, then a summary line per kind.
func (f *FS) logNewHidden(prev hiddenDir, bad []BadName) {
	logged, more := map[bool]int{}, map[bool]int{}
	for _, b := range bad {
		if prev.names[b.Disk] {
			continue
		}
		kind := IsIncomplete(b.Err)
		if logged[kind] < hiddenLogPerDir {
			logged[kind]++
			f.logBadName(b)
		} else {
			more[kind]++
		}
	}
	if len(bad) > 0 {
		f.logMoreHidden(bad[0].Dir, more)
	}
}

// logMoreHidden logs the summary lines of a listing: how many more new
// entries of each kind it hid.
func (f *FS) logMoreHidden(dir string, more map[bool]int) {
	if n := more[true]; n > 0 {
		f.log.Warn("more entries not fully synced yet, hidden from listing", "dir", dir, "count", n)
	}
	if n := more[false]; n > 0 {
		f.log.Warn("more names that do not decrypt, hidden from listing", "dir", dir, "count", n)
	}
}
