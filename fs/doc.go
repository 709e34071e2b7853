// Package fs is the plaintext view of a gocryptfs v2 cipherdir, without
// FUSE: names, directory IVs, long names, file contents with
// read-modify-write of partial blocks, truncation and holes, symlinks,
// device nodes, hard links and xattrs. The FUSE adapter (package mount)
// and the offline tools (export, import, fsck) are thin layers over it.
//
// Compatibility: everything it writes follows the format spec
// (docs/format.md) and is checked against the gocryptfs
// binary in the tests. Two choices go beyond what gocryptfs does while
// staying inside the format: a new directory gets its gocryptfs.diriv
// written and synced under a hidden temporary name before it is renamed
// into place, and .name files are written through a temporary file, so a
// crash never leaves a directory without its IV or a truncated long name.
// A killed process leaves those temporary names behind instead; Scan
// reports them (leftover.go) and fsck removes them. A directory a sync
// client recreated without its IV counts as not fully synced for
// SyncGrace, then as lost (*LostIVError); fsck gets its IV back from
// wherever else the vault still has it, or evacuates it (lostiv.go).
//
// Crashes during renames: a rename is one renameat2 of the object; for a
// long name the new .name file is in place (and synced) before it and
// the old one is removed after it (and after a sync), and an exchange or
// a rename over an existing long name leaves every .name file where it
// is. So a crash at any point leaves the object under its old or its new
// name, with its .name file; what it can leave beside is an orphan .name
// file or an unfinished X.name.tmpHEX.name (named so that gocryptfs skips
// it), both hidden and removed by fsck --repair.
//
// Security: every access to the backing directory starts from the
// cipherdir's descriptor and walks one component at a time with openat
// and O_NOFOLLOW. The path walk with its directory cache is in backing.go
// (lookup, walk); a few places open one more level below a directory the
// walk returned, each with O_NOFOLLOW on a single name: listings
// (dir.go, names.go PlainPath's own walk, fsck_scan.go), conflict-copy
// probes (sync_conflictlookup.go), files (file.go), chmod through O_PATH
// (ops_meta.go), SyncDir and xattrs
// (ops_syncdir.go, xattr_at.go). No absolute backing path is ever built,
// so plaintext paths near PATH_MAX work, and a symlink planted in the
// backing directory is never followed out of it.
// A file is opened only after its type is checked, so a planted device
// node or FIFO is never opened. The cipher walk of the vault manifest
// (sealscan.go: headers, nonces and tags, nothing decrypted) and
// cofferfs's own files at the root (rootfile.go) keep the same rules.
// Ciphertext that does not authenticate is never returned: reads fail
// with a *CorruptError that names the plaintext path and block.
//
// Kernels: xattr reads use getxattrat/listxattrat (Linux 6.13) on the
// parent's descriptor with AT_SYMLINK_NOFOLLOW; on an older kernel the
// first ENOSYS switches the FS to an O_PATH descriptor and its /proc
// path (xattr_at.go).
//
// Hidden entries: a listing leaves out what does not decrypt or is not
// fully synced yet (ReadDirBad returns them). ReadDir logs them to
// Options.Logger rate-limited by deduplication: only entries the previous
// listing of the same directory did not hide, at most five per kind and
// listing, then one summary line per kind; FS.Hidden counts what the
// latest listing of each directory hid (hidden.go).
//
// Conflict markers: a copy is shown under a conflict name only when its
// marker follows the grammar of a known sync client (package syncname);
// anything else stays hidden, so the cloud cannot choose visible names.
// A name encrypted under the IV of a diriv conflict copy is shown as it
// is; only when another entry has that name does it get the copy's
// marker. Lookups find it through the copies' IVs (sync_conflictlookup.go,
// ivcopycache.go).
//
// Concurrency: an FS is safe for concurrent use. Handles on one file share
// a content lock, so no block is torn and none is sealed under a stale
// file ID. An FS assumes it is the only writer of its cipherdir; changes
// made behind its back (a sync client) are seen after the directory
// cache's one-second lifetime, like the kernel's entry cache.
//
// Write-behind (file_behind.go): a write of 64 KiB or more that appends
// whole blocks at the end of a file (not the first write of an empty
// file, not on an O_SYNC/O_DSYNC handle) is sealed, reserves its backing
// space with fallocate(FALLOC_FL_KEEP_SIZE) if the backing file system has
// less than 64 MiB free (reserveBelow), and returns while a
// goroutine writes it; the next such write of the handle is sealed
// meanwhile and waits for it before it is handed on, so at most one write
// per file is outstanding (at most one request's buffer, 1 MiB, per file
// being written). Everything else that touches the file's content or size
// (reads, Stat and FS.Stat, truncate, seek, other handles' writes, Sync,
// Flush, Close) waits for it first, so no caller sees the file without an
// acknowledged write. What it means for errors: a write that returned
// success can still fail (on a nearly full disk the reservation makes
// ENOSPC fail the write itself where the backing file system supports
// fallocate; an I/O error, EFBIG, a quota, or a disk that another writer
// fills within the moment remain). The failed write is
// undone (the backing file cut back to where it began) and its error is
// returned by the handle's next WriteAt, Sync, Datasync, Flush or Close,
// once; mount's FLUSH handler is Flush, so close(2) reports it. For
// durability nothing changes: data is on stable storage only after a
// successful Sync, as before.
package fs
