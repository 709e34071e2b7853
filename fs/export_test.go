package fs

import "time"

// UseXattrFallback makes f use the pre-6.13 xattr path (O_PATH
// descriptor and /proc path) instead of the *xattrat system calls.
func (f *FS) UseXattrFallback() { f.noXattrAt.Store(true) }

// SetClock replaces the clock f judges the age of objects by.
func (f *FS) SetClock(now func() time.Time) { f.now = now }
