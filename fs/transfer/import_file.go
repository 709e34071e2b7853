package transfer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// createIn creates the vault entry vp from the plain entry sp.
func (j *job) createIn(sp, vp string, st *unix.Stat_t) bool {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return j.mkdirIn(sp, vp, st)
	case unix.S_IFREG:
		return j.importFile(sp, vp, st)
	case unix.S_IFLNK:
		return j.importSymlink(sp, vp, st)
	}
	return j.importSpecial(vp, st)
}

// mkdirIn creates (or, if it exists, merges into) the vault directory vp
// and imports sp into it.
func (j *job) mkdirIn(sp, vp string, st *unix.Stat_t) bool {
	err := j.fsys.Mkdir(vp, st.Mode&0o7777|0o700, nil)
	if err != nil && !errors.Is(err, unix.EEXIST) {
		j.vaultProblem(vp, err, false)
		return false
	}
	if err == nil {
		j.stats.Dirs++
	}
	j.importDir(sp, vp, st)
	return true
}

// importFile encrypts the regular file sp into a new vault file vp.
func (j *job) importFile(sp, vp string, st *unix.Stat_t) bool {
	in, err := os.OpenFile(sp, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		j.problem(vp, "", err, false)
		return false
	}
	defer in.Close()
	out, err := j.fsys.Create(vp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, st.Mode&0o777|0o600, nil)
	if err != nil {
		j.vaultProblem(vp, err, false)
		return false
	}
	before := j.prog.Bytes
	n, err := j.copyIn(in, out)
	j.prog.Bytes = before + n // holes count as done
	if err == nil {
		err = out.Truncate(uint64(n))
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		j.fsys.Unlink(vp)
		j.problem(vp, "", fmt.Errorf("copy %s: %w", sp, err), false)
		return false
	}
	j.stats.Files++
	j.prog.Files++
	j.stats.Bytes += n
	j.setMetaIn(sp, vp, st)
	j.fileDone()
	return true
}

// copyIn copies the data of in to out and returns the size of in. Only
// the data regions that SEEK_DATA finds are read, and all-zero blocks are
// not written, so holes stay holes.
func (j *job) copyIn(in *os.File, out writerAt) (int64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(in.Fd()), &st); err != nil {
		return 0, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return 0, errors.New("not a regular file any more")
	}
	size := st.Size
	for off := int64(0); off < size; {
		start, end, err := dataRegion(in, off, size)
		if err != nil || start >= size {
			return size, err
		}
		if err := j.copyRegion(in, out, start, end); err != nil {
			return size, err
		}
		off = end
	}
	return size, nil
}

// dataRegion returns the next region of in at or after off that may hold
// data, widened to block boundaries. Without SEEK_DATA support it is the
// whole rest of the file.
func dataRegion(in *os.File, off, size int64) (start, end int64, err error) {
	fd := int(in.Fd())
	start, err = unix.Seek(fd, off, unix.SEEK_DATA)
	switch {
	case errors.Is(err, unix.ENXIO):
		return size, size, nil
	case err != nil:
		return off, size, nil
	}
	end, err = unix.Seek(fd, start, unix.SEEK_HOLE)
	if err != nil {
		end = size
	}
	const bs = crypto.BlockSize
	start = start / bs * bs
	end = min((end+bs-1)/bs*bs, size)
	return start, end, nil
}

// copyRegion copies in[start:end] to out in chunks.
func (j *job) copyRegion(in *os.File, out writerAt, start, end int64) error {
	for pos := start; pos < end; {
		if err := j.ctx.Err(); err != nil {
			return err
		}
		n, err := in.ReadAt(j.buf[:min(int64(len(j.buf)), end-pos)], pos)
		if err != nil && !(err == io.EOF && n > 0) {
			if err == io.EOF {
				return errors.New("file shrank while it was read")
			}
			return err
		}
		if err := writeData(out, j.buf[:n], pos); err != nil {
			return err
		}
		pos += int64(n)
		j.prog.Bytes += int64(n)
		j.progress()
	}
	return nil
}

// importSymlink creates the symlink vp with the target of sp.
func (j *job) importSymlink(sp, vp string, st *unix.Stat_t) bool {
	target, err := os.Readlink(sp)
	if err != nil {
		j.problem(vp, "", err, false)
		return false
	}
	if err := j.fsys.Symlink(target, vp, nil); err != nil {
		j.vaultProblem(vp, err, false)
		return false
	}
	j.stats.Symlinks++
	j.setMetaIn(sp, vp, st)
	j.fileDone()
	return true
}

// importSpecial creates a FIFO, socket or device node at vp.
func (j *job) importSpecial(vp string, st *unix.Stat_t) bool {
	if isDevice(st) && !j.opts.Devices {
		j.problem(vp, "", errDeviceSkipped, true)
		j.fileDone()
		return false
	}
	if err := j.fsys.Mknod(vp, st.Mode&unix.S_IFMT|0o600, st.Rdev, nil); err != nil {
		j.vaultProblem(vp, err, false)
		return false
	}
	j.stats.Specials++
	j.setMetaIn("", vp, st)
	j.fileDone()
	return true
}

// setMetaIn gives the vault entry vp the owner, mode, extended
// attributes (read from sp) and times of st. Failures are warnings.
// With Options.Update, values the entry already has are not set again.
func (j *job) setMetaIn(sp, vp string, st *unix.Stat_t) {
	var vst *unix.Stat_t
	if j.opts.Update {
		if cur, err := j.fsys.Stat(vp); err == nil {
			vst = &cur
		}
	}
	j.fixMeta(vp, vst, st)
	if hasXattrs(st) {
		j.xattrsIn(sp, vp)
	}
	if vst != nil && vst.Mtim == st.Mtim {
		return
	}
	if err := j.fsys.Utimens(vp, st.Atim, st.Mtim); err != nil {
		j.vaultProblem(vp, fmt.Errorf("set times: %w", err), true)
	}
}

// xattrsIn copies the user xattrs and POSIX ACLs of sp to vp.
func (j *job) xattrsIn(sp, vp string) {
	names, err := listXattrs(sp)
	if err != nil {
		j.problem(vp, "", fmt.Errorf("list xattrs of %s: %w", sp, err), true)
		return
	}
	for _, name := range names {
		if !strings.HasPrefix(name, "user.") && !strings.HasPrefix(name, "system.posix_acl_") {
			continue
		}
		val, err := getXattr(sp, name)
		if err == nil && !j.sameXattr(vp, name, val) {
			err = j.fsys.Setxattr(vp, name, val, 0)
		}
		if err != nil {
			j.vaultProblem(vp, fmt.Errorf("xattr %s: %w", name, err), true)
		}
	}
}

// listXattrs returns the xattr names of the plain entry p.
func listXattrs(p string) ([]string, error) {
	for size := 4 << 10; ; size *= 4 {
		buf := make([]byte, size)
		n, err := unix.Llistxattr(p, buf)
		if errors.Is(err, unix.ERANGE) && size < 16<<20 {
			continue
		}
		if errors.Is(err, unix.ENOTSUP) {
			return nil, nil
		}
		if err != nil || n == 0 {
			return nil, err
		}
		return strings.Split(strings.TrimSuffix(string(buf[:n]), "\x00"), "\x00"), nil
	}
}

// getXattr returns the value of one xattr of the plain entry p.
func getXattr(p, name string) ([]byte, error) {
	for size := 4 << 10; ; size *= 4 {
		buf := make([]byte, size)
		n, err := unix.Lgetxattr(p, name, buf)
		if errors.Is(err, unix.ERANGE) && size < 1<<20 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}
