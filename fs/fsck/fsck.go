// Package fsck checks a vault through package fs: it reads and
// authenticates every name, block, symlink target and xattr, and reports
// each problem with its plaintext path (where known), its cipher path,
// its kind and, for file contents, its block range. With Repair it fixes
// what it can prove without losing data: unreadable files and names move
// into a lost+found directory at the vault root (a normal encrypted
// directory), with a copy of every damaged piece of ciphertext, except a
// file damaged only at its end (a torn append), which is cut back to its
// readable blocks in place; a directory a sync client recreated without
// its IV gets the one IV of the vault that decrypts its names, or its
// entries move to lost+found; conflict
// copies get ordinary encrypted names (the names they are shown under);
// stray .name and diriv files that nothing needs are removed; a missing
// gocryptfs.diriv is re-created only where the right one is certain;
// temporary names a killed cofferfs left behind are removed.
// Objects a sync client has not finished writing are never touched.
//
// After a repair, the vault passes gocryptfs -fsck, except for what
// Repair reports it left alone.
package fsck

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferfs/cofferfs/fs"
)

// Kind is the kind of a finding.
type Kind string

// The kinds of findings.
const (
	CorruptBlock   Kind = "corrupt block"                      // file content that does not authenticate
	CorruptHeader  Kind = "corrupt header"                     // a file header that is not valid
	BadName        Kind = "undecryptable name"                 // a backing name that does not decrypt
	ConflictCopy   Kind = "conflict copy"                      // a sync client's conflict copy
	IVConflict     Kind = "diriv conflict copy"                // a conflict copy of gocryptfs.diriv
	OrphanName     Kind = "orphan .name"                       // a .name file without its object
	StrayName      Kind = "stray .name"                        // a conflict copy of a .name file
	MissingDirIV   Kind = "missing diriv"                      // gocryptfs.diriv missing or empty
	LostDirIV      Kind = "directory recreated without its IV" // by a sync client, after a delete or rename elsewhere
	DamagedDirIV   Kind = "damaged diriv"                      // gocryptfs.diriv of a wrong size or zero
	NotSynced      Kind = "not fully synced"                   // an object a sync client is still writing
	CorruptSymlink Kind = "corrupt symlink"                    // a symlink target that does not decrypt
	CorruptXattr   Kind = "corrupt xattr"                      // an xattr value that does not decrypt
	ConfigConflict Kind = "config conflict copy"               // a conflict copy of gocryptfs.conf
	Foreign        Kind = "foreign file"                       // a file a sync client or OS put there (a note)
	Unreadable     Kind = "unreadable"                         // an I/O or permission error
	Leftover       Kind = "crash leftover"                     // a temporary name of a killed cofferfs
	Manifest       Kind = "manifest mismatch"                  // differs from the sealed vault manifest (a note; cofferfs verify)
)

// Blocks is an inclusive range of content block numbers.
type Blocks struct {
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
}

// Finding is one thing fsck found.
type Finding struct {
	// Kind says what it is.
	Kind Kind `json:"kind"`
	// Path is the plaintext path, or "" when the name does not decrypt.
	Path string `json:"path,omitempty"`
	// Dir is the plaintext directory when Path is unknown.
	Dir string `json:"dir,omitempty"`
	// CipherPath is the backing path, relative to the cipherdir.
	CipherPath string `json:"cipher_path"`
	// Blocks is the damaged block range of file content, or nil.
	Blocks *Blocks `json:"blocks,omitempty"`
	// Detail explains the finding.
	Detail string `json:"detail"`
	// Problem is false for notes that need no action (foreign files).
	Problem bool `json:"problem"`
	// Repaired tells whether Repair fixed it.
	Repaired bool `json:"repaired"`
	// Action is what Repair did, or why it left the finding alone.
	Action string `json:"action,omitempty"`
}

// Report is the outcome of a check.
type Report struct {
	Findings []Finding `json:"findings"`
	// Dirs, Files, Symlinks and Bytes count what was checked (Bytes is
	// plaintext file content).
	Dirs     int64 `json:"dirs"`
	Files    int64 `json:"files"`
	Symlinks int64 `json:"symlinks"`
	Bytes    int64 `json:"bytes"`
}

// Problems returns the number of findings that are problems.
func (r *Report) Problems() int {
	n := 0
	for _, f := range r.Findings {
		if f.Problem {
			n++
		}
	}
	return n
}

// Unrepaired returns the number of problems Repair did not fix.
func (r *Report) Unrepaired() int {
	n := 0
	for _, f := range r.Findings {
		if f.Problem && !f.Repaired {
			n++
		}
	}
	return n
}

// Progress is a snapshot of a running check: Files counts files and
// symlinks, Bytes plaintext content read.
type Progress struct {
	Files, Bytes           int64
	TotalFiles, TotalBytes int64
}

// Options tune Check.
type Options struct {
	// Repair fixes what can be fixed without losing data.
	Repair bool
	// OnFinding, if set, gets every finding once it is final.
	OnFinding func(Finding)
	// OnProgress, if set, gets progress reports (a first pass counts
	// the totals).
	OnProgress func(Progress)
	// Now is the clock (for the age of stray .name files); nil is
	// time.Now.
	Now func() time.Time
}

// LostFound is the plaintext directory, at the vault root, where Repair
// moves what it cannot read.
const LostFound = "lost+found"

// orphanGrace is how old an orphan .name file or a crash leftover must
// be before Repair removes it: a younger one may be waiting for its
// object to sync, or belong to a cofferfs operation still running.
const orphanGrace = fs.SyncGrace

// maxRounds bounds the check-and-repair rounds: a repair can move damage
// into lost+found, where the next round finishes it.
const maxRounds = 3

// Check checks the whole vault f (and repairs it with opts.Repair; f
// must then be writable). It returns an error only when the check could
// not run (cancelled, or the root cannot be read).
func Check(ctx context.Context, f *fs.FS, opts Options) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &checker{ctx: ctx, f: f, opts: opts}
	if opts.OnProgress != nil {
		if err := c.countTotals(); err != nil {
			return nil, err
		}
	}
	var all []Finding
	for round := 0; round < maxRounds; round++ {
		rep, repaired, err := c.round(round)
		if err != nil {
			return nil, err
		}
		all = mergeFindings(all, rep.Findings)
		if round == 0 {
			c.totals = *rep
		}
		if !repaired {
			break
		}
	}
	out := c.totals
	out.Findings = all
	for _, fd := range all {
		if opts.OnFinding != nil {
			opts.OnFinding(fd)
		}
	}
	return &out, nil
}

// mergeFindings adds the findings of a later round to those of earlier
// ones, leaving out what is the same unrepaired finding again.
func mergeFindings(all, next []Finding) []Finding {
	seen := map[string]bool{}
	for _, f := range all {
		if !f.Repaired {
			seen[findingKey(f)] = true
		}
	}
	for _, f := range next {
		if !seen[findingKey(f)] {
			all = append(all, f)
		}
	}
	return all
}

func findingKey(f Finding) string {
	k := string(f.Kind) + "\x00" + f.CipherPath
	if f.Blocks != nil {
		k += fmt.Sprintf("\x00%d-%d", f.Blocks.First, f.Blocks.Last)
	}
	return k
}

// IsNote reports whether a kind is a note rather than a problem.
func IsNote(k Kind) bool { return k == Foreign }
