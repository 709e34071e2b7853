package reverse

import "sync"

// dirCacheMax bounds the directory cache; it is emptied when full.
const dirCacheMax = 4096

// dirCache remembers the plain path of view directories that resolved,
// so a lookup deep in the tree does not decrypt and stat every parent
// again. The mapping from a view path to a plain path is a pure function
// of the key and the names, so an entry never points at the wrong plain
// path; a plain directory that is gone or replaced just fails the
// following openat2 (ENOENT, ENOTDIR or ELOOP).
type dirCache struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *dirCache) get(view string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[view]
	return p, ok
}

func (c *dirCache) put(view, plain string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= dirCacheMax {
		c.m = make(map[string]string)
	}
	c.m[view] = plain
}
