package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// Import encrypts the plain directory src into the vault below the
// plaintext path sub ("" for the root), creating sub and its parents if
// missing. Directories that exist on both sides are merged. Without
// opts.Force, any other entry of src that already exists in the vault
// makes Import fail with a *ConflictError before anything is written.
// Problems with single entries go to opts.OnProblem and are counted.
// A src that is not a directory is imported as one entry: into sub if
// that is a vault directory, as sub otherwise (see importSingle).
func Import(ctx context.Context, src string, fsys *fs.FS, sub string, opts Options) (Stats, error) {
	sub = cleanVaultPath(sub)
	var st unix.Stat_t
	if err := unix.Stat(src, &st); err != nil {
		return Stats{}, fmt.Errorf("transfer: source %s: %w", src, err)
	}
	if !isDir(&st) {
		return importSingle(ctx, src, fsys, sub, opts)
	}
	if err := outsideVault(fsys, src); err != nil {
		return Stats{}, err
	}
	root, err := fsys.Stat("")
	if err != nil {
		return Stats{}, err
	}
	j := newJob(ctx, fsys, opts)
	j.vault = keyOf(&root)
	j.counting(true)
	if err := j.scan(src, sub); err != nil {
		return Stats{}, err
	}
	j.counting(false)
	if err := j.mkdirAllVault(sub); err != nil {
		return Stats{}, err
	}
	j.importDir(src, sub, &st)
	return j.finished()
}

// scan walks src once before the import: it counts the totals for
// the progress report and, without Force, collects the conflicts.
func (j *job) scan(src, sub string) error {
	c := &ConflictError{}
	exists := true // whether the vault directory for src exists
	if _, err := j.fsys.Stat(sub); err != nil {
		exists = false
	}
	if err := j.scanDir(src, sub, exists, c); err != nil {
		return err
	}
	if c.Count > 0 {
		return c
	}
	return nil
}

func (j *job) scanDir(src, vdir string, exists bool, c *ConflictError) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return nil // reported by the import pass
	}
	for _, e := range ents {
		if err := j.ctx.Err(); err != nil {
			return err
		}
		vp := path.Join(vdir, e.Name())
		sp := filepath.Join(src, e.Name())
		if e.IsDir() && j.isVault(sp) {
			continue
		}
		sub := false // whether the vault directory for sp exists
		if exists && !j.opts.Force && !j.opts.Update {
			if vst, err := j.fsys.Stat(vp); err == nil {
				sub = isDir(&vst) && e.IsDir()
				if !sub {
					c.add(vp)
				}
			}
		}
		if e.IsDir() {
			if err := j.scanDir(sp, vp, sub, c); err != nil {
				return err
			}
			continue
		}
		var st unix.Stat_t
		if unix.Lstat(sp, &st) == nil {
			j.countFile(&st)
			j.progress()
		}
	}
	return nil
}

// isVault reports whether the plain path p is the cipherdir.
func (j *job) isVault(p string) bool {
	var st unix.Stat_t
	return unix.Lstat(p, &st) == nil && keyOf(&st) == j.vault
}

func (c *ConflictError) add(p string) {
	c.Count++
	if len(c.Paths) < maxConflicts {
		c.Paths = append(c.Paths, p)
	}
}

// mkdirAllVault creates the vault directory sub and its missing parents
// with mode 0755; sub gets the metadata of the source at the end.
func (j *job) mkdirAllVault(sub string) error {
	if sub == "" {
		return nil
	}
	parts := strings.Split(sub, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		vst, err := j.fsys.Stat(p)
		if err == nil && isDir(&vst) {
			continue
		}
		if err == nil {
			return fmt.Errorf("transfer: vault path %q: %w", p, unix.ENOTDIR)
		}
		if err := j.fsys.Mkdir(p, 0o755, nil); err != nil {
			return fmt.Errorf("transfer: %w", err)
		}
	}
	return nil
}

// importDir imports the contents of the plain directory src into the
// existing vault directory vdir, then gives vdir the metadata st. The
// cipherdir itself, if it lies inside src, is skipped.
func (j *job) importDir(src, vdir string, st *unix.Stat_t) {
	ents, err := os.ReadDir(src)
	if err != nil {
		j.problem(vdir, "", fmt.Errorf("read %s: %w", src, err), false)
	}
	for _, e := range ents {
		if j.ctx.Err() != nil {
			return
		}
		j.importEntry(filepath.Join(src, e.Name()), path.Join(vdir, e.Name()))
	}
	if err == nil && j.opts.Update && j.opts.Delete && j.ctx.Err() == nil {
		j.deleteGone(ents, vdir)
	}
	j.setMetaIn(src, vdir, st)
}

// importEntry imports the plain entry sp as the vault path vp.
func (j *job) importEntry(sp, vp string) {
	var st unix.Stat_t
	if err := unix.Lstat(sp, &st); err != nil {
		j.problem(vp, "", err, false)
		return
	}
	if keyOf(&st) == j.vault {
		j.problem(vp, "", fmt.Errorf("%s is the cipherdir itself: skipped", sp), true)
		return
	}
	if j.opts.Update && j.unchanged(sp, vp, &st) {
		return
	}
	if !j.clearVault(vp, &st) {
		return
	}
	if linkable(&st) {
		if first, ok := j.links[keyOf(&st)]; ok {
			j.linkIn(first, vp)
			return
		}
	}
	ok := j.createIn(sp, vp, &st)
	if ok && linkable(&st) {
		j.links[keyOf(&st)] = vp
	}
}

// clearVault makes room for vp: with Force, a non-directory in the way
// is removed; a directory stays if the new entry is one too. It reports
// false if vp cannot be created.
func (j *job) clearVault(vp string, st *unix.Stat_t) bool {
	vst, err := j.fsys.Stat(vp)
	switch {
	case err != nil:
		return true // nothing there (or unreadable: creating reports it)
	case isDir(&vst) && isDir(st):
		return true
	case isDir(&vst):
		j.vaultProblem(vp, errors.New("a directory of that name exists in the vault"), false)
		return false
	case !j.opts.Force && !j.opts.Update:
		j.vaultProblem(vp, unix.EEXIST, false)
		return false
	}
	if err := j.fsys.Unlink(vp); err != nil {
		j.vaultProblem(vp, err, false)
		return false
	}
	return true
}

// linkIn makes vp a hard link to the already imported first.
func (j *job) linkIn(first, vp string) {
	if err := j.fsys.Link(first, vp); err != nil {
		j.vaultProblem(vp, err, false)
		return
	}
	j.stats.HardLinks++
	j.fileDone()
}
