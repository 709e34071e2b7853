package transfer

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// exportFile decrypts the regular file p into a new file dst. A file
// whose content does not decrypt is removed again and reported.
func (j *job) exportFile(p, dst string, st *unix.Stat_t) bool {
	in, err := j.fsys.Open(p, unix.O_RDONLY)
	if err != nil {
		j.vaultProblem(p, err, false)
		return false
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		j.vaultProblem(p, err, false)
		return false
	}
	n, err := j.copyOut(in, out)
	if err == nil {
		err = out.Truncate(n)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		j.vaultProblem(p, err, false)
		return false
	}
	j.stats.Files++
	j.prog.Files++
	j.stats.Bytes += n
	j.setMetaOut(p, dst, st)
	j.fileDone()
	return true
}

// copyOut copies the plaintext of in to out, leaving holes for all-zero
// blocks, and returns the number of bytes read.
func (j *job) copyOut(in *fs.File, out *os.File) (int64, error) {
	var off int64
	for {
		if err := j.ctx.Err(); err != nil {
			return off, err
		}
		n, err := in.ReadAt(j.buf, off)
		if err != nil && err != io.EOF {
			return off, err
		}
		if werr := writeData(out, j.buf[:n], off); werr != nil {
			return off, werr
		}
		off += int64(n)
		j.prog.Bytes += int64(n)
		if err == io.EOF || n == 0 {
			return off, nil
		}
		j.progress()
	}
}

// exportSymlink recreates the symlink p at dst.
func (j *job) exportSymlink(p, dst string, st *unix.Stat_t) bool {
	target, err := j.fsys.Readlink(p)
	if err == nil {
		err = os.Symlink(target, dst)
	}
	if err != nil {
		j.vaultProblem(p, err, false)
		return false
	}
	j.stats.Symlinks++
	j.setMetaOut(p, dst, st)
	j.fileDone()
	return true
}

// exportSpecial recreates a FIFO, socket or device node at dst.
func (j *job) exportSpecial(p, dst string, st *unix.Stat_t) bool {
	if isDevice(st) && !j.opts.Devices {
		j.vaultProblem(p, errDeviceSkipped, true)
		j.fileDone()
		return false
	}
	if err := unix.Mknod(dst, st.Mode&(unix.S_IFMT|0o600), int(st.Rdev)); err != nil {
		j.vaultProblem(p, err, false)
		return false
	}
	j.stats.Specials++
	j.setMetaOut(p, dst, st)
	j.fileDone()
	return true
}

// setMetaOut gives the exported entry dst the owner, mode, extended
// attributes and times of the vault entry p. Failures are warnings.
func (j *job) setMetaOut(p, dst string, st *unix.Stat_t) {
	link := st.Mode&unix.S_IFMT == unix.S_IFLNK
	if j.opts.Owners {
		if err := unix.Lchown(dst, int(st.Uid), int(st.Gid)); err != nil {
			j.vaultProblem(p, fmt.Errorf("set owner: %w", err), true)
		}
	}
	if !link {
		if err := unix.Chmod(dst, j.exportMode(st)); err != nil {
			j.vaultProblem(p, fmt.Errorf("set mode: %w", err), true)
		}
	}
	if hasXattrs(st) {
		j.xattrsOut(p, dst)
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, dst, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		j.vaultProblem(p, fmt.Errorf("set times: %w", err), true)
	}
}

// exportMode is the permission mode an exported entry gets: the vault's,
// without set-uid and set-gid on non-directories unless KeepSetID.
func (j *job) exportMode(st *unix.Stat_t) uint32 {
	m := st.Mode & 0o7777
	if !j.opts.KeepSetID && !isDir(st) {
		m &^= unix.S_ISUID | unix.S_ISGID
	}
	return m
}

// hasXattrs reports whether entries of st's type can carry the user
// xattrs the vault stores (Linux allows them on files and directories).
func hasXattrs(st *unix.Stat_t) bool {
	t := st.Mode & unix.S_IFMT
	return t == unix.S_IFREG || t == unix.S_IFDIR
}

// xattrsOut copies the decrypted extended attributes of p to dst. A
// value that does not decrypt is an error of the entry; one that dst
// refuses is a warning.
func (j *job) xattrsOut(p, dst string) {
	names, err := j.fsys.Listxattr(p)
	if err != nil {
		j.vaultProblem(p, fmt.Errorf("list xattrs: %w", err), true)
		return
	}
	for _, name := range names {
		val, err := j.fsys.Getxattr(p, name)
		if err != nil {
			j.vaultProblem(p, err, errors.Is(err, unix.ENODATA))
			continue
		}
		if err := unix.Lsetxattr(dst, name, val, 0); err != nil {
			j.vaultProblem(p, fmt.Errorf("set xattr %s: %w", name, err), true)
		}
	}
}
