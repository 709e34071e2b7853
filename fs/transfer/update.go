package transfer

import (
	"bytes"
	"fmt"
	"os"
	"path"

	"golang.org/x/sys/unix"
)

// unchanged reports whether the vault entry vp already matches the plain
// entry sp (Options.Update): a regular file of the same size and
// modification time, a symlink with the same target, or a special file
// of the same type (and device number). A different mode
// or owner is set without rewriting the data. The entry then counts as
// done.
func (j *job) unchanged(sp, vp string, st *unix.Stat_t) bool {
	vst, err := j.fsys.Stat(vp)
	if err != nil || vst.Mode&unix.S_IFMT != st.Mode&unix.S_IFMT {
		return false
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		if vst.Size != st.Size || vst.Mtim != st.Mtim {
			return false
		}
	case unix.S_IFLNK:
		old, err1 := j.fsys.Readlink(vp)
		cur, err2 := os.Readlink(sp)
		if err1 != nil || err2 != nil || old != cur {
			return false
		}
	case unix.S_IFIFO, unix.S_IFSOCK:
	case unix.S_IFCHR, unix.S_IFBLK:
		if vst.Rdev != st.Rdev {
			return false
		}
	default:
		return false
	}
	j.fixMeta(vp, &vst, st)
	_, seen := j.links[keyOf(st)]
	if st.Mode&unix.S_IFMT == unix.S_IFREG && !(linkable(st) && seen) {
		j.prog.Files++
		j.prog.Bytes += st.Size
	}
	if linkable(st) {
		j.links[keyOf(st)] = vp
	}
	j.stats.Unchanged++
	j.fileDone()
	return true
}

// fixMeta sets the mode and owner of st on the vault entry vp where they
// differ from its current metadata vst (nil: set them unconditionally).
func (j *job) fixMeta(vp string, vst, st *unix.Stat_t) {
	if vst == nil {
		vst = &unix.Stat_t{Uid: ^st.Uid, Mode: ^st.Mode}
	}
	if j.opts.Owners && (vst.Uid != st.Uid || vst.Gid != st.Gid) {
		if err := j.fsys.Chown(vp, int(st.Uid), int(st.Gid)); err != nil {
			j.vaultProblem(vp, fmt.Errorf("set owner: %w", err), true)
		}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK && vst.Mode&0o7777 != st.Mode&0o7777 {
		if err := j.fsys.Chmod(vp, st.Mode&0o7777); err != nil {
			j.vaultProblem(vp, fmt.Errorf("set mode: %w", err), true)
		}
	}
}

// sameXattr reports whether the vault entry vp already holds value in
// the extended attribute name (Options.Update: setting it again would
// re-encrypt it and change the backing entry).
func (j *job) sameXattr(vp, name string, value []byte) bool {
	if !j.opts.Update {
		return false
	}
	old, err := j.fsys.Getxattr(vp, name)
	return err == nil && bytes.Equal(old, value)
}

// deleteGone removes the entries of the vault directory vdir whose names
// are not among ents, the entries of its source (Options.Delete). Names
// that do not decrypt are left alone.
func (j *job) deleteGone(ents []os.DirEntry, vdir string) {
	names := make(map[string]bool, len(ents))
	for _, e := range ents {
		names[e.Name()] = true
	}
	vents, err := j.fsys.ReadDir(vdir)
	if err != nil {
		j.vaultProblem(vdir, err, false)
		return
	}
	for _, e := range vents {
		if !names[e.Name] {
			j.removeVault(path.Join(vdir, e.Name))
		}
	}
}

// removeVault removes the vault entry p, a directory with its contents.
func (j *job) removeVault(p string) bool {
	st, err := j.fsys.Stat(p)
	if err != nil {
		j.vaultProblem(p, err, false)
		return false
	}
	if isDir(&st) {
		ents, rerr := j.fsys.ReadDir(p)
		if rerr != nil {
			j.vaultProblem(p, rerr, false)
			return false
		}
		ok := true
		for _, e := range ents {
			ok = j.removeVault(path.Join(p, e.Name)) && ok
		}
		if !ok {
			return false
		}
		err = j.fsys.Rmdir(p)
	} else {
		err = j.fsys.Unlink(p)
	}
	if err != nil {
		j.vaultProblem(p, fmt.Errorf("delete: %w", err), false)
		return false
	}
	j.stats.Deleted++
	return true
}
