package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"text/tabwriter"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/fs"
)

var duCommand = &command{
	name:    "du",
	args:    "[unlock] [--json] [-q] [--no-progress] CIPHERDIR [PATH]",
	summary: "show how much a vault or a directory in it holds and stores (no mount needed)",
	help: `Counts what the vault holds below PATH (default: the whole vault; a path
under a live mountpoint of the vault works too), without mounting it:
files, directories, symlinks and other entries (FIFOs, sockets, device
nodes), the plaintext size of the files, and the stored size: every
backing file below PATH's cipher directory (contents, gocryptfs.diriv
and .name files; for the whole vault also gocryptfs.conf and the
manifests), which is what the sync provider stores and uploads. A file
with several hard links counts once in the sizes, as with du. Backing
names that do not decrypt (a download not finished, damage) are counted
in the stored size only, with a warning ("cofferfs fsck" names them).
A count of entries found so far is shown on a terminal, unless -q or
--no-progress. --json prints the figures as one JSON object.

"cofferfs info" describes the vault itself without a password: format,
cipher, long-name threshold and profile, and whether it is key-only.`,
	run: runDu,
}

// duReport is what du prints (the JSON form; the table shows the same).
type duReport struct {
	Path          string `json:"path"`
	Files         int64  `json:"files"`
	Dirs          int64  `json:"dirs"`
	Symlinks      int64  `json:"symlinks"`
	Other         int64  `json:"other"`
	PlainBytes    int64  `json:"plain_bytes"`
	CipherBytes   int64  `json:"cipher_bytes"`
	BackingFiles  int64  `json:"backing_files"`
	Undecryptable int64  `json:"undecryptable"`
}

func runDu(e *env, c *command, args []string) error {
	var u unlockFlags
	var asJSON, noProgress bool
	flags := newFlagSet(c)
	u.register(flags)
	flags.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	flags.BoolVar(&noProgress, "no-progress", false, "print no count while walking")
	e.quietFlag(flags, "print no count while walking (the figures and warnings still)")
	v, pos, err := e.openReadOnly(c, flags, &u, args, 1, 2)
	if err != nil {
		return err
	}
	defer v.Close()
	p := ""
	if len(pos) == 2 {
		p = vaultPath(underMount(v.dir, pos[1]))
	}
	rep, err := e.diskUsage(v, p, e.showProgress(noProgress || asJSON))
	if err != nil {
		return err
	}
	if rep.Undecryptable > 0 {
		e.warnf("%s below %s did not decrypt: counted in the stored size only (cofferfs fsck names them)",
			formatCount(rep.Undecryptable, "backing name"), displayName(duPathName(p)))
	}
	if asJSON {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return fail(exitOther, err)
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
		return nil
	}
	printDu(e, rep)
	return nil
}

// duPathName is how du names the path p: "/" for the whole vault.
func duPathName(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// printDu writes the report as a table.
func printDu(e *env, r *duReport) {
	tw := tabwriter.NewWriter(e.stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "Path:\t%s\n", displayName(duPathName(r.Path)))
	fmt.Fprintf(tw, "Files:\t%d\n", r.Files)
	fmt.Fprintf(tw, "Directories:\t%d\n", r.Dirs)
	fmt.Fprintf(tw, "Symlinks:\t%d\n", r.Symlinks)
	fmt.Fprintf(tw, "Other:\t%d\n", r.Other)
	fmt.Fprintf(tw, "Plain size:\t%s (%d bytes)\n", formatBytes(r.PlainBytes), r.PlainBytes)
	fmt.Fprintf(tw, "Stored size:\t%s (%d bytes in %s)\n", formatBytes(r.CipherBytes), r.CipherBytes,
		formatCount(r.BackingFiles, "backing file"))
	tw.Flush()
}

// diskUsage counts the plaintext below p and its stored ciphertext.
func (e *env) diskUsage(v *vault, p string, progress bool) (*duReport, error) {
	st, err := v.fs.Stat(p)
	if err != nil {
		return nil, entryFailure(v, p, err)
	}
	w := &duWalk{v: v, rep: &duReport{Path: p}, seen: map[uint64]bool{}}
	if progress {
		e.bar = newProgressBar(e.stderr)
		w.onEntry = func(n int) { e.bar.update(scanProgress(n)) }
	}
	defer func() { e.bar.clear(); e.bar = nil }()
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		w.add(&st)
		return w.rep, w.cipherFile(p, &st)
	}
	if err := w.below(e, p); err != nil {
		return nil, err
	}
	return w.rep, w.cipherDir(e, p)
}

// duWalk is one run of du.
type duWalk struct {
	v       *vault
	rep     *duReport
	seen    map[uint64]bool // inodes of files with several links already counted
	n       int
	onEntry func(n int)
}

// add counts one plaintext entry.
func (w *duWalk) add(st *unix.Stat_t) {
	w.n++
	if w.onEntry != nil {
		w.onEntry(w.n)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		w.rep.Dirs++
	case unix.S_IFLNK:
		w.rep.Symlinks++
	case unix.S_IFREG:
		w.rep.Files++
		if st.Nlink > 1 {
			if w.seen[st.Ino] {
				return
			}
			w.seen[st.Ino] = true
		}
		w.rep.PlainBytes += st.Size
	default:
		w.rep.Other++
	}
}

// below counts what is below the directory p.
func (w *duWalk) below(e *env, p string) error {
	if err := e.ctx.Err(); err != nil {
		return failf(exitSigInt, "interrupted")
	}
	ents, bad, err := w.v.fs.Inspect().ReadDirBad(p)
	if err != nil {
		return entryFailure(w.v, p, err)
	}
	w.rep.Undecryptable += int64(len(bad))
	for _, d := range ents {
		child := path.Join(p, d.Name)
		cst, err := w.v.fs.Stat(child)
		if err != nil {
			return entryFailure(w.v, child, err)
		}
		w.add(&cst)
		if cst.Mode&unix.S_IFMT == unix.S_IFDIR {
			if err := w.below(e, child); err != nil {
				return err
			}
		}
	}
	return nil
}

// cipherDir sums the backing files below the directory p (for the whole
// vault, with gocryptfs.conf).
func (w *duWalk) cipherDir(e *env, p string) error {
	inodes := map[uint64]bool{}
	err := w.v.fs.WalkCipher(e.ctx, fs.WalkCipherOptions{Dir: p, Cached: func(*fs.CipherEntry) bool { return true }},
		func(c fs.CipherEntry) error {
			if c.Type == unix.S_IFREG && !inodes[c.Ino] {
				inodes[c.Ino] = true
				w.rep.CipherBytes += c.Size
				w.rep.BackingFiles++
			}
			return nil
		})
	if err != nil {
		if e.ctx.Err() != nil {
			return failf(exitSigInt, "interrupted")
		}
		return fail(exitOther, fmt.Errorf("du: %w", err))
	}
	if p == "" {
		if fi, err := os.Stat(configPath(w.v.dir)); err == nil {
			w.rep.CipherBytes += fi.Size()
			w.rep.BackingFiles++
		}
	}
	return nil
}

// cipherFile counts the backing file of p, a single file (attributes
// st): its content file, read through the vault.
func (w *duWalk) cipherFile(p string, st *unix.Stat_t) error {
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil
	}
	f, err := w.v.fs.Open(p, unix.O_RDONLY)
	if err != nil {
		return entryFailure(w.v, p, err)
	}
	defer f.Close()
	n, err := f.CipherSize()
	if err != nil {
		return entryFailure(w.v, p, err)
	}
	w.rep.CipherBytes += n
	w.rep.BackingFiles++
	return nil
}
