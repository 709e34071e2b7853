package fs

// Inspector is the view of an FS for tools that must see damage rather
// than have it hidden: fsck scans directories for damage, reads
// ciphertext raw and repairs what can be repaired without losing data;
// export, verify, ls and check-paths list the names that do not decrypt.
// The methods are here, not on FS, so the everyday API stays small;
// f.Inspect() returns the view.
type Inspector struct{ f *FS }

// Inspect returns the inspection and repair view of f.
func (f *FS) Inspect() Inspector { return Inspector{f} }
