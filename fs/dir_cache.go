package fs

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The directory cache keeps the backing descriptor and name IV of recently
// used directories, keyed by plaintext path, so that an operation deep in
// the tree does not re-open every parent and re-read every diriv.
//
// Entries expire after dirCacheTTL: a sync client that renames or
// deletes backing directories behind our back is noticed within that
// time even if nobody tells us. The mount watches the backing
// directories and calls InvalidateDir when it sees such a change, which
// drops the entries at once; the TTL stays short anyway, as the bound
// for a change the watcher missed (the kernel's caches last longer, but
// they are invalidated by the same watcher). Changes made through this
// FS (rename, rmdir) drop the affected entries at once.

const (
	dirCacheTTL = time.Second
	dirCacheMax = 256
)

// dirRef is a counted reference to an open backing directory.
type dirRef struct {
	fd      int
	iv      []byte
	refs    int // guarded by dirCache.mu
	dead    bool
	expires time.Time
	// conflicts is the directory's conflict record (dirconflicts.go).
	conflicts atomic.Pointer[dirConflicts]
}

// dirCache maps plaintext directory paths to open backing directories.
type dirCache struct {
	mu sync.Mutex
	m  map[string]*dirRef
	// gen counts invalidations. A walk that began before one may hold a
	// directory that was renamed away meanwhile; put refuses to cache
	// what such a walk found.
	gen uint64
}

// generation returns the current invalidation count.
func (c *dirCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns a live entry for path with a reference taken, or nil.
func (c *dirCache) get(path string, now time.Time) *dirRef {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.m[path]
	if d == nil {
		return nil
	}
	if now.After(d.expires) {
		c.dropLocked(path, d)
		return nil
	}
	d.refs++
	return d
}

// put stores a new directory (taking over fd) and returns it referenced.
// If path is already cached, fd is closed and the cached entry returned.
// A directory found by a walk that started at generation gen, before the
// latest invalidation, is returned uncached (closed on release).
func (c *dirCache) put(path string, fd int, iv []byte, now time.Time, gen uint64) *dirRef {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return &dirRef{fd: fd, iv: iv, refs: 1, dead: true}
	}
	if c.m == nil {
		c.m = make(map[string]*dirRef)
	}
	if d := c.m[path]; d != nil && !now.After(d.expires) {
		unix.Close(fd)
		d.refs++
		return d
	} else if d != nil {
		c.dropLocked(path, d)
	}
	if len(c.m) >= dirCacheMax {
		for p, d := range c.m { // evict an arbitrary entry
			c.dropLocked(p, d)
			break
		}
	}
	d := &dirRef{fd: fd, iv: iv, refs: 2, expires: now.Add(dirCacheTTL)} // the map's and the caller's
	c.m[path] = d
	return d
}

// release drops a reference taken by get or put.
func (c *dirCache) release(d *dirRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unrefLocked(d)
}

func (c *dirCache) unrefLocked(d *dirRef) {
	d.refs--
	if d.refs == 0 && d.dead {
		unix.Close(d.fd)
	}
}

func (c *dirCache) dropLocked(path string, d *dirRef) {
	delete(c.m, path)
	d.dead = true
	c.unrefLocked(d)
}

// invalidate drops path and everything below it.
func (c *dirCache) invalidate(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for p, d := range c.m {
		if p == path || strings.HasPrefix(p, path+"/") || path == "" {
			c.dropLocked(p, d)
		}
	}
}

// close drops every entry (descriptors in use close when released).
func (c *dirCache) close() { c.invalidate("") }
