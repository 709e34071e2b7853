package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// Export decrypts the vault subtree at the plaintext path sub ("" for the
// whole vault) into the directory dest, which is created if missing and
// must be empty unless opts.Force is set. When sub is not a directory
// (one file, symlink or special file), it goes into dest if dest is a
// directory and becomes dest otherwise (see exportSingle). It returns
// the stats and a fatal error; problems with single entries go to
// opts.OnProblem and are counted in Stats.Corrupt and Stats.Failed.
func Export(ctx context.Context, fsys *fs.FS, sub, dest string, opts Options) (Stats, error) {
	sub = cleanVaultPath(sub)
	st, err := fsys.Stat(sub)
	if err != nil {
		return Stats{}, fmt.Errorf("transfer: vault path %q: %w", sub, err)
	}
	if !isDir(&st) {
		return exportSingle(ctx, fsys, sub, dest, &st, opts)
	}
	if err := prepareDest(fsys, dest, opts.Force); err != nil {
		return Stats{}, err
	}
	j := newJob(ctx, fsys, opts)
	if opts.OnProgress != nil {
		j.counting(true)
		j.countVault(sub)
		j.counting(false)
	}
	j.exportDir(sub, dest, &st)
	return j.finished()
}

// cleanVaultPath turns a user-given vault path into fs form: relative,
// slash-separated, "" for the root.
func cleanVaultPath(p string) string {
	p = strings.Trim(path.Clean("/"+p), "/")
	return p
}

// prepareDest creates dest if needed and checks that it is an empty
// directory (unless force) outside the cipherdir.
func prepareDest(fsys *fs.FS, dest string, force bool) error {
	if err := outsideVault(fsys, dest); err != nil {
		return err
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	if force {
		return nil
	}
	ents, err := os.ReadDir(dest)
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("%w: %s", ErrNotEmpty, dest)
	}
	return nil
}

// outsideVault checks that dir (which need not exist yet) is neither the
// cipherdir nor below it, by comparing the inodes of its existing
// ancestors with the cipherdir's, up to the file system root.
func outsideVault(fsys *fs.FS, dir string) error {
	root, err := fsys.Stat("")
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	for p := abs; ; p = filepath.Dir(p) {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err == nil && keyOf(&st) == keyOf(&root) {
			return fmt.Errorf("%w: %s", ErrInsideVault, dir)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// countVault adds the entries below dir to the progress totals. It
// ignores errors: the export pass reports them.
func (j *job) countVault(dir string) {
	ents, _, err := j.fsys.Inspect().ReadDirBad(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		p := path.Join(dir, e.Name)
		st, err := j.fsys.Stat(p)
		if err != nil || j.ctx.Err() != nil {
			continue
		}
		if isDir(&st) {
			j.countVault(p)
			continue
		}
		j.countFile(&st)
		j.progress()
	}
}

// countFile adds a non-directory to the progress totals; the data of a
// file with several links counts once, since it is copied once.
func (j *job) countFile(st *unix.Stat_t) {
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return
	}
	if linkable(st) {
		if _, ok := j.counted[keyOf(st)]; ok {
			return
		}
		j.counted[keyOf(st)] = struct{}{}
	}
	j.prog.TotalFiles++
	j.prog.TotalBytes += st.Size
}

// exportDir exports the contents of the vault directory dir into the
// existing directory dst, then gives dst the metadata st.
func (j *job) exportDir(dir, dst string, st *unix.Stat_t) {
	ents, bad, err := j.fsys.Inspect().ReadDirBad(dir)
	if err != nil {
		j.vaultProblem(dir, err, false)
	}
	cipherDir := ""
	if len(bad) > 0 {
		cipherDir, _ = j.fsys.CipherPath(dir)
	}
	for _, b := range bad {
		j.problem(dir, path.Join(cipherDir, b.Disk), fmt.Errorf("name does not decrypt: %w", b.Err), false)
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name, b.Name) })
	for _, e := range ents {
		if j.ctx.Err() != nil {
			return
		}
		j.exportEntry(path.Join(dir, e.Name), filepath.Join(dst, e.Name))
	}
	j.setMetaOut(dir, dst, st)
}

// exportEntry exports one vault entry to dst.
func (j *job) exportEntry(p, dst string) {
	st, err := j.fsys.Stat(p)
	if err != nil {
		j.vaultProblem(p, err, false)
		return
	}
	if j.opts.Force {
		if err := clearPlain(dst, isDir(&st)); err != nil {
			j.vaultProblem(p, err, false)
			return
		}
	}
	if linkable(&st) {
		if first, ok := j.links[keyOf(&st)]; ok {
			j.linkOut(p, first, dst)
			return
		}
	}
	var ok bool
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		ok = j.mkdirOut(p, dst, &st)
	case unix.S_IFREG:
		ok = j.exportFile(p, dst, &st)
	case unix.S_IFLNK:
		ok = j.exportSymlink(p, dst, &st)
	default:
		ok = j.exportSpecial(p, dst, &st)
	}
	if ok && linkable(&st) {
		j.links[keyOf(&st)] = dst
	}
}

// clearPlain removes what is in the way of a new entry at dst: any
// non-directory. An existing directory stays (to be merged) if the new
// entry is one too; otherwise it is an error.
func clearPlain(dst string, dir bool) error {
	var st unix.Stat_t
	if err := unix.Lstat(dst, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return err
	}
	switch {
	case isDir(&st) && dir:
		return nil
	case isDir(&st):
		return fmt.Errorf("%s exists and is a directory", dst)
	}
	return os.Remove(dst)
}

// linkOut makes dst a hard link to the already exported first.
func (j *job) linkOut(p, first, dst string) {
	if err := os.Link(first, dst); err != nil {
		j.vaultProblem(p, err, false)
		return
	}
	j.stats.HardLinks++
	j.fileDone()
}

// mkdirOut creates dst and exports the vault directory p into it.
func (j *job) mkdirOut(p, dst string, st *unix.Stat_t) bool {
	if err := os.Mkdir(dst, 0o700); err != nil && !(j.opts.Force && errors.Is(err, os.ErrExist)) {
		j.vaultProblem(p, err, false)
		return false
	}
	j.stats.Dirs++
	j.exportDir(p, dst, st)
	return true
}
