package fs

import (
	"strings"
	"sync"
	"sync/atomic"
)

// ChangeLog is the set of paths an FS changed while the log was
// recording (FS.RecordChanges), by plaintext path and by backing path. A
// check of the vault that runs beside a live mount, such as the
// comparison with the sealed manifest, uses it to tell the mount's own
// changes from changes made behind its back. The backing paths cover
// what no longer decrypts: an entry whose directory was removed or
// renamed.
type ChangeLog struct {
	mu      sync.Mutex
	paths   map[string]struct{}
	ciphers map[string]struct{}
}

// Touched reports whether the plaintext path p, or a directory above it,
// was changed (a rename of a directory moves everything below it).
func (c *ChangeLog) Touched(p string) bool {
	return c.within(c.paths, strings.TrimSuffix(p, "/"))
}

// TouchedCipher reports whether the backing path cp (relative to the
// cipherdir), or a directory above it, was changed. A long name's .name
// file counts as the entry it names.
func (c *ChangeLog) TouchedCipher(cp string) bool {
	return c.within(c.ciphers, strings.TrimSuffix(strings.TrimSuffix(cp, "/"), ".name"))
}

func (c *ChangeLog) within(set map[string]struct{}, p string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p != "" {
		if _, ok := set[p]; ok {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return false
}

// add records p and reports whether it is new.
func (c *ChangeLog) add(set map[string]struct{}, p string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := set[p]; ok {
		return false
	}
	set[p] = struct{}{}
	return true
}

// changeRecorder is the FS's hook: nil (no cost beyond a load) unless a
// ChangeLog is recording.
type changeRecorder struct {
	log atomic.Pointer[ChangeLog]
}

// noteChange records the plaintext paths an operation is about to
// change, and their backing paths, if a log records. It runs before the
// change, so that a check which sees the change finds it in the log.
func (f *FS) noteChange(paths ...string) {
	c := f.changes.log.Load()
	if c == nil {
		return
	}
	for _, p := range paths {
		if !c.add(c.paths, p) {
			continue // its backing path is known (a file written again)
		}
		if cp, err := f.CipherPath(p); err == nil {
			c.add(c.ciphers, cp)
		}
	}
}

// RecordChanges starts a ChangeLog of every path this FS changes from now
// on (until stop), replacing a log that was recording. Changes made to
// the backing directory by anything else are not in it.
func (f *FS) RecordChanges() (log *ChangeLog, stop func()) {
	c := &ChangeLog{paths: map[string]struct{}{}, ciphers: map[string]struct{}{}}
	f.changes.log.Store(c)
	return c, func() { f.changes.log.CompareAndSwap(c, nil) }
}
