package transfer

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// Single entries follow cp(1): the entry keeps its name when the
// destination is an existing directory, and the destination is the new
// name otherwise (its parent must exist on the plain side; vault parents
// are created).

// exportSingle exports the vault non-directory sub as described above.
func exportSingle(ctx context.Context, fsys *fs.FS, sub, dest string, st *unix.Stat_t, opts Options) (Stats, error) {
	target := dest
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		target = filepath.Join(dest, path.Base(sub))
	}
	if fi, err := os.Stat(filepath.Dir(target)); err != nil || !fi.IsDir() {
		return Stats{}, fmt.Errorf("transfer: %s is not a directory", filepath.Dir(target))
	}
	if err := outsideVault(fsys, filepath.Dir(target)); err != nil {
		return Stats{}, err
	}
	if _, err := os.Lstat(target); err == nil && !opts.Force {
		return Stats{}, fmt.Errorf("%w: %s", ErrExists, target)
	}
	j := newJob(ctx, fsys, opts)
	j.counting(true)
	j.countFile(st)
	j.counting(false)
	j.exportEntry(sub, target)
	return j.finished()
}

// importSingle imports the plain non-directory src as described above.
func importSingle(ctx context.Context, src string, fsys *fs.FS, sub string, opts Options) (Stats, error) {
	target := sub
	if vst, err := fsys.Stat(sub); sub == "" || (err == nil && isDir(&vst)) {
		target = path.Join(sub, filepath.Base(src))
	}
	if err := outsideVault(fsys, filepath.Dir(src)); err != nil {
		return Stats{}, err
	}
	if _, err := fsys.Stat(target); err == nil && !opts.Force && !opts.Update {
		return Stats{}, &ConflictError{Paths: []string{target}, Count: 1}
	}
	var st unix.Stat_t
	if err := unix.Lstat(src, &st); err != nil {
		return Stats{}, fmt.Errorf("transfer: source %s: %w", src, err)
	}
	j := newJob(ctx, fsys, opts)
	if dir := path.Dir(target); dir != "." {
		if err := j.mkdirAllVault(dir); err != nil {
			return Stats{}, err
		}
	}
	j.counting(true)
	j.countFile(&st)
	j.counting(false)
	j.importEntry(src, target)
	return j.finished()
}
