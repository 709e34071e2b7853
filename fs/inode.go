package fs

import (
	"sync"
	"sync/atomic"

	"github.com/cofferfs/cofferfs/crypto"
)

// inodeKey identifies a backing file; hard links share one.
type inodeKey struct{ dev, ino uint64 }

// inode is the shared state of every open handle on one backing file.
type inode struct {
	// mu is the content lock: writers (write, truncate) hold it
	// exclusively, readers shared, so no block is torn and no block is
	// sealed under a stale file ID.
	mu sync.RWMutex
	// hdr caches the file header while handles are open; nil until read
	// or created, reset when the file is truncated to zero. Stored under
	// mu (shared for a load, exclusive for a change).
	hdr atomic.Pointer[crypto.FileHeader]
	// pend is the outstanding deferred write (file_behind.go), or nil.
	pend atomic.Pointer[pendingWrite]
	key  inodeKey
	refs int // guarded by inodeTable.mu
}

// inodeTable maps open backing files to their shared state.
type inodeTable struct {
	mu sync.Mutex
	m  map[inodeKey]*inode
}

func (t *inodeTable) init() { t.m = make(map[inodeKey]*inode) }

// acquire returns the inode for key, creating it, and counts a reference.
func (t *inodeTable) acquire(key inodeKey) *inode {
	t.mu.Lock()
	defer t.mu.Unlock()
	in := t.m[key]
	if in == nil {
		in = &inode{key: key}
		t.m[key] = in
	}
	in.refs++
	return in
}

// lookupOpen returns the inode for key with a reference taken if a
// handle has it open, or nil.
func (t *inodeTable) lookupOpen(key inodeKey) *inode {
	t.mu.Lock()
	defer t.mu.Unlock()
	in := t.m[key]
	if in != nil {
		in.refs++
	}
	return in
}

// release drops a reference and forgets the inode at zero.
func (t *inodeTable) release(in *inode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	in.refs--
	if in.refs == 0 {
		delete(t.m, in.key)
	}
}

// openCount returns how many inodes have open handles (for idle checks).
func (t *inodeTable) openCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// OpenFiles returns the number of distinct files with open handles.
func (f *FS) OpenFiles() int { return f.inodes.openCount() }
