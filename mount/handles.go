package mount

import "sync"

// openHandles is the set of handles the kernel has not released yet.
//
// The kernel sends RELEASE asynchronously after the last close, and a
// RELEASE still queued when the mount goes away is never delivered: the
// backing file would stay open after Unmount/Wait (a few percent of
// unmounts right after a close did so), keeping the backing file system
// busy. The server closes what is left once the mount is gone.
type openHandles struct {
	mu  sync.Mutex
	set map[*handle]struct{}
}

func (o *openHandles) add(h *handle) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.set == nil {
		o.set = make(map[*handle]struct{})
	}
	o.set[h] = struct{}{}
}

// remove reports whether h was still open; only that caller closes it.
func (o *openHandles) remove(h *handle) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.set[h]
	delete(o.set, h)
	return ok
}

// closeAll closes every handle still open.
func (o *openHandles) closeAll() {
	o.mu.Lock()
	left := o.set
	o.set = nil
	o.mu.Unlock()
	for h := range left {
		h.close()
	}
}

// borrow returns an open handle of node n, read-locked so that it is not
// closed while in use (the caller unlocks h.mu), or nil. The kernel sends
// chmod, chown and utimens without a handle even when they come from
// fchmod, fchown or futimens; for a file that is unlinked but open there
// is no path left, and the borrowed handle's descriptor still reaches it.
func (o *openHandles) borrow(n *node) *handle {
	o.mu.Lock()
	defer o.mu.Unlock()
	for h := range o.set {
		if h.n != n {
			continue
		}
		h.mu.RLock()
		if !h.closed {
			return h
		}
		h.mu.RUnlock()
	}
	return nil
}
