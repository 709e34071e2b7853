package mount

import (
	"slices"
	"sync"
)

// openHandles is the set of handles the kernel has not released yet.
//
// The kernel sends RELEASE asynchronously after the last close, and a
// RELEASE still queued when the mount goes away is never delivered: the
// backing file would stay open after Unmount/Wait (a few percent of
// unmounts right after a close did so), keeping the backing file system
// busy. The server closes what is left once the mount is gone.
type openHandles struct {
	mu     sync.Mutex
	byNode map[*node][]*handle
}

func (o *openHandles) add(h *handle) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byNode == nil {
		o.byNode = make(map[*node][]*handle)
	}
	o.byNode[h.n] = append(o.byNode[h.n], h)
}

// remove reports whether h was still open; only that caller closes it.
func (o *openHandles) remove(h *handle) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	hs := o.byNode[h.n]
	i := slices.Index(hs, h)
	if i < 0 {
		return false
	}
	if hs = slices.Delete(hs, i, i+1); len(hs) == 0 {
		delete(o.byNode, h.n)
	} else {
		o.byNode[h.n] = hs
	}
	return true
}

// closeAll closes every handle still open.
func (o *openHandles) closeAll() {
	o.mu.Lock()
	left := o.byNode
	o.byNode = nil
	o.mu.Unlock()
	for _, hs := range left {
		for _, h := range hs {
			h.close()
		}
	}
}

// borrow returns an open handle of node n, read-locked so that it is not
// closed while in use (the caller unlocks h.mu), or nil. The kernel sends
// chmod, chown and utimens without a handle even when they come from
// fchmod, fchown or futimens. The handle's descriptor reaches the file
// without a path lookup, and still reaches a file that is unlinked but
// open.
func (o *openHandles) borrow(n *node) *handle {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, h := range o.byNode[n] {
		h.mu.RLock()
		if !h.closed {
			return h
		}
		h.mu.RUnlock()
	}
	return nil
}
