package mount

import (
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// A RENAME is two steps: our Rename renames the backing object, then
// go-fuse moves the node in its tree (MvChild). Between the two, the
// replaced node's path names the object that replaced it, and the renamed
// node's old path names nothing: a request on either node, resolved by
// path in that window, finds another object and used to answer ESTALE.
// The kernel retries an ESTALE once; a client racing renames in a loop
// (posixtest's OpenSymlinkRace) hit the window twice and saw ESTALE,
// more often with long entry timeouts, under which the kernel keeps
// sending requests to the replaced node instead of looking the name up.
//
// So the bridge's RENAME is counted (renameFS), and a request whose node
// is not at its path waits for the renames in flight to finish and, if
// any finished since the request began, resolves the path again
// (node.byPath): the node has then moved (a new path) or lost its name
// (ENOENT, as a request after the rename gets on a local file system).

// renames counts the RENAMEs of a mount.
type renames struct {
	started  atomic.Uint64
	finished atomic.Uint64

	mu   sync.Mutex
	cond *sync.Cond // signalled when a rename finishes
}

func (r *renames) init() { r.cond = sync.NewCond(&r.mu) }

func (r *renames) begin() { r.started.Add(1) }

func (r *renames) end() {
	r.mu.Lock()
	r.finished.Add(1)
	r.cond.Broadcast()
	r.mu.Unlock()
}

// mark returns the count of finished renames, taken when a request
// begins.
func (r *renames) mark() uint64 { return r.finished.Load() }

// settle waits until as many renames have finished as had started when
// it was called, and reports whether any finished since mark returned m.
func (r *renames) settle(m uint64) bool {
	target := r.started.Load()
	r.mu.Lock()
	for r.finished.Load() < target {
		r.cond.Wait()
	}
	r.mu.Unlock()
	return r.finished.Load() != m
}

// renameFS counts the bridge's RENAMEs (the backing rename and go-fuse's
// tree update) in r.
type renameFS struct {
	fuse.RawFileSystem
	r *renames
}

// Rename implements fuse.RawFileSystem.
func (f renameFS) Rename(cancel <-chan struct{}, in *fuse.RenameIn, oldName, newName string) fuse.Status {
	f.r.begin()
	defer f.r.end()
	return f.RawFileSystem.Rename(cancel, in, oldName, newName)
}

// byPath runs op on n's path. If op answers ESTALE (the object at the
// path is not n) and a rename finished meanwhile, it runs op once more
// on n's path after the renames in flight (see above); n without a name
// by then answers ENOENT. op must answer ESTALE only before it changed
// anything.
func (n *node) byPath(op func(p string) syscall.Errno) syscall.Errno {
	m := n.v.renames.mark()
	errno := op(n.path())
	if errno == syscall.ESTALE && n.v.renames.settle(m) {
		if n.orphaned() {
			return syscall.ENOENT
		}
		errno = op(n.path())
	}
	return errno
}

// byVerifiedPath is byPath for an op that may run only on n itself: it
// checks that the object at the path is n (verifyAt) before op.
func (n *node) byVerifiedPath(op func(p string) syscall.Errno) syscall.Errno {
	return n.byPath(func(p string) syscall.Errno {
		if errno := n.verifyAt(p); errno != 0 {
			return errno
		}
		return op(p)
	})
}
