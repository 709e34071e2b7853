package reverse

import (
	"sync"

	"golang.org/x/sys/unix"
)

// linkTable makes all paths of a hard-linked plain file show one
// ciphertext while the view is open (spec §9.5): the file ID and block
// IVs of a file with more than one link come from the first view path
// it is opened through, and later opens through any of its paths reuse
// them. gocryptfs -reverse (2.3) does the same, except that when the
// kernel had looked the file up through several paths before that first
// open, it takes any one of them (go-fuse's node keeps its parents in a
// map): the two agree when a file's first open follows a lookup of that
// path only. Files with one link always use their own path, so for them
// the view stays a pure function of the tree. It is safe for concurrent
// use.
type linkTable struct {
	mu    sync.Mutex
	first map[devIno]string
}

// devIno names a plain file: its device and view inode number.
type devIno struct{ dev, ino uint64 }

// ivPath returns the view path whose IVs the file st (a plain fstat)
// with view inode number ino opened through viewPath uses.
func (t *linkTable) ivPath(st *unix.Stat_t, ino uint64, viewPath string) string {
	if st.Nlink <= 1 {
		return viewPath
	}
	k := devIno{st.Dev, ino}
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.first[k]; ok {
		return p
	}
	if t.first == nil {
		t.first = make(map[devIno]string)
	}
	t.first[k] = viewPath
	return viewPath
}
