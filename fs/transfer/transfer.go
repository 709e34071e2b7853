package transfer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// Options control an Export or an Import.
type Options struct {
	// Force allows writing over existing entries: Export into a
	// non-empty directory, Import over entries already in the vault.
	// Directories are merged; a directory is never replaced by a
	// non-directory.
	Force bool
	// Owners restores the uid and gid of every entry (needs root).
	Owners bool
	// Devices creates character and block device nodes (needs root);
	// without it they are skipped with a warning.
	Devices bool
	// KeepSetID keeps the set-uid and set-gid bits of exported files.
	// Without it Export drops them from every non-directory: modes are
	// not authenticated by the format, so whoever can write the cipherdir
	// (the cloud) can set them. A directory's set-gid bit (group
	// inheritance, no privilege) is always kept.
	KeepSetID bool
	// Update makes Import skip regular files whose vault copy has the
	// same size and modification time, and symlinks with the same
	// target (only a changed mode or owner is set on them), and replace
	// every other entry that is in the way, as Force does. Unchanged
	// entries are not written at all, so a sync client has nothing to
	// upload again.
	Update bool
	// Delete, with Update, makes Import remove the vault entries that
	// are gone from the source, in every directory it merges.
	Delete bool
	// OnProgress, if set, is called after every entry and every chunk
	// of file data. Setting it also makes the transfer count the source
	// tree first, so that Progress has totals; while it counts, it
	// reports with Progress.Counting set.
	OnProgress func(Progress)
	// OnProblem, if set, receives every entry that could not be
	// transferred (Warning false) or lost something on the way
	// (Warning true). Calls come from the goroutine that runs the
	// transfer, one at a time.
	OnProblem func(*EntryError)
}

// Progress is a snapshot of a running transfer. Files counts regular
// files, one per inode (a hard link adds none), as Stats.Files does, so
// that the totals agree with the summary; symlinks, special files and
// directories are quick and not counted. Bytes counts regular-file
// content, chunk by chunk as it is copied.
type Progress struct {
	Files, Bytes           int64
	TotalFiles, TotalBytes int64
	// Counting is set while the source is still being counted: the
	// totals are what was found so far and nothing has been copied.
	// The first report comes before anything is counted.
	Counting bool
}

// Stats sums up a finished transfer.
type Stats struct {
	// Dirs, Files, Symlinks and Specials count the entries created,
	// by type; Specials are FIFOs, sockets and device nodes.
	Dirs, Files, Symlinks, Specials int64
	// HardLinks counts entries created as a hard link to an earlier one.
	HardLinks int64
	// Bytes is the regular-file content copied.
	Bytes int64
	// Corrupt counts problems caused by ciphertext that did not decrypt.
	Corrupt int
	// Failed counts other entries that could not be transferred.
	Failed int
	// Warnings counts entries that were transferred incompletely, e.g.
	// without an attribute the destination refused.
	Warnings int
	// Unchanged counts the non-directory entries Import left alone
	// with Options.Update.
	Unchanged int64
	// Deleted counts the vault entries Import removed with
	// Options.Delete (the entries inside a removed directory too).
	Deleted int64
}

// EntryError is a problem with one entry of a transfer.
type EntryError struct {
	// Path is the plaintext path relative to the vault root ("" for
	// the root). For a name that does not decrypt it is the directory
	// that holds the name.
	Path string
	// CipherPath is the backing path relative to the cipherdir, or ""
	// when it is not known.
	CipherPath string
	// Err says what went wrong.
	Err error
	// Warning is set when the entry was transferred, but incompletely.
	Warning bool
}

// Error implements error.
func (e *EntryError) Error() string {
	p := e.Path
	if p == "" {
		p = "."
	}
	if e.CipherPath != "" {
		return fmt.Sprintf("%s (%s): %v", p, e.CipherPath, e.Err)
	}
	return fmt.Sprintf("%s: %v", p, e.Err)
}

// Unwrap returns the underlying error.
func (e *EntryError) Unwrap() error { return e.Err }

// Corrupt reports whether the problem is ciphertext that did not decrypt.
func (e *EntryError) Corrupt() bool { return fs.IsCorrupt(e.Err) }

// ErrNotEmpty is returned by Export for a destination directory that is
// not empty, unless Options.Force is set.
var ErrNotEmpty = errors.New("transfer: destination directory is not empty")

// ErrExists is returned when a single file would be written over an
// existing entry and Options.Force is not set.
var ErrExists = errors.New("transfer: destination exists")

// ErrInsideVault is returned when the plain side of a transfer is the
// cipherdir or lies inside it.
var ErrInsideVault = errors.New("transfer: directory lies inside the cipherdir")

// ConflictError is returned by Import, before anything is written, when
// entries of the source already exist in the vault and Options.Force is
// not set.
type ConflictError struct {
	// Paths lists the first conflicting vault paths (at most 10).
	Paths []string
	// Count is the number of conflicts.
	Count int
}

// Error implements error.
func (e *ConflictError) Error() string {
	more := ""
	if e.Count > len(e.Paths) {
		more = fmt.Sprintf(" and %d more", e.Count-len(e.Paths))
	}
	return fmt.Sprintf("transfer: %d entries already exist in the vault: %s%s",
		e.Count, strings.Join(e.Paths, ", "), more)
}

// maxConflicts bounds ConflictError.Paths.
const maxConflicts = 10

// inodeKey identifies a file on one side; hard links share it.
type inodeKey struct{ dev, ino uint64 }

func keyOf(st *unix.Stat_t) inodeKey { return inodeKey{uint64(st.Dev), st.Ino} }

// isDir reports whether st is a directory.
func isDir(st *unix.Stat_t) bool { return st.Mode&unix.S_IFMT == unix.S_IFDIR }

// linkable reports whether st may be one of several hard links.
func linkable(st *unix.Stat_t) bool { return !isDir(st) && st.Nlink > 1 }

// job is the state shared by both directions.
type job struct {
	ctx     context.Context
	fsys    *fs.FS
	opts    Options
	stats   Stats
	prog    Progress
	links   map[inodeKey]string   // first destination path of each linked inode
	vault   inodeKey              // the cipherdir, never imported into itself
	counted map[inodeKey]struct{} // linked inodes already in the totals
	buf     []byte
}

func newJob(ctx context.Context, fsys *fs.FS, opts Options) *job {
	return &job{ctx: ctx, fsys: fsys, opts: opts, links: map[inodeKey]string{},
		counted: map[inodeKey]struct{}{}, buf: make([]byte, chunkSize)}
}

// problem reports an entry error and counts it.
func (j *job) problem(path, cipher string, err error, warning bool) {
	e := &EntryError{Path: path, CipherPath: cipher, Err: err, Warning: warning}
	switch {
	case warning:
		j.stats.Warnings++
	case e.Corrupt():
		j.stats.Corrupt++
	default:
		j.stats.Failed++
	}
	if j.opts.OnProblem != nil {
		j.opts.OnProblem(e)
	}
}

// vaultProblem reports a problem with a vault entry, with its cipher path.
func (j *job) vaultProblem(path string, err error, warning bool) {
	cipher, cerr := j.fsys.CipherPath(path)
	if cerr != nil {
		cipher = ""
	}
	j.problem(path, cipher, err, warning)
}

// fileDone reports a finished non-directory entry; the copy of a
// regular file's data counts itself in Progress.Files.
func (j *job) fileDone() {
	j.progress()
}

// counting starts (on) or ends (off) the counting state and reports it.
func (j *job) counting(on bool) {
	j.prog.Counting = on
	j.progress()
}

func (j *job) progress() {
	if j.opts.OnProgress != nil {
		j.opts.OnProgress(j.prog)
	}
}

// isDevice reports whether st is a character or block device.
func isDevice(st *unix.Stat_t) bool {
	t := st.Mode & unix.S_IFMT
	return t == unix.S_IFCHR || t == unix.S_IFBLK
}

// errDeviceSkipped is the warning for a device node without Devices.
var errDeviceSkipped = errors.New("device node skipped (restoring devices needs root)")

// finished returns the stats and the context's error, if any.
func (j *job) finished() (Stats, error) {
	return j.stats, j.ctx.Err()
}
