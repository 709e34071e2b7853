package fs

// UseXattrFallback makes f use the pre-6.13 xattr path (O_PATH
// descriptor and /proc path) instead of the *xattrat system calls.
func (f *FS) UseXattrFallback() { f.noXattrAt.Store(true) }
