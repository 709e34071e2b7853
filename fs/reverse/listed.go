package reverse

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// listedTTL is how long what a listing found about an entry may stand
// in for a lookup of it: below the mount's 1 s attribute timeout, so a
// lookup never sees older attributes than the kernel could have cached.
const listedTTL = 500 * time.Millisecond

// listedMax bounds the entries kept; the map is emptied when full.
const listedMax = 1 << 16

// listed remembers, for a moment, what ReadDir found about each entry
// (its plain name and lstat, taken with one fstatat on the open
// directory), so that the lookups the kernel sends right after a listing
// (READDIRPLUS, or rsync and ls -l lstat'ing every entry) need neither a
// name decryption, nor an openat2 and fstat, nor for a long name a
// listing of the directory of their own. Each entry serves one lookup.
type listed struct {
	mu sync.Mutex
	m  map[string]listedEntry
}

type listedEntry struct {
	n  node
	st unix.Stat_t
	at time.Time
}

// put remembers n (with its lstat st, nil for a virtual file) as the
// resolution of view path n.view.
func (l *listed) put(n node, st *unix.Stat_t, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= listedMax {
		l.m = make(map[string]listedEntry)
	}
	e := listedEntry{n: n, at: now}
	if st != nil {
		e.st = *st
	}
	l.m[n.view] = e
}

// take returns and forgets the resolution of view if it was listed less
// than listedTTL ago.
func (l *listed) take(view string, now time.Time) (node, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[view]
	if !ok {
		return node{}, false
	}
	delete(l.m, view)
	if now.Sub(e.at) >= listedTTL {
		return node{}, false
	}
	n := e.n
	if n.kind == kindPlain {
		n.st = &e.st
	}
	return n, true
}
