package fs

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// A cofferfs process killed in the middle of an operation leaves the
// temporary names of that operation behind: the hidden directory of a
// mkdir (gocryptfs.mkdir.<hex>, holding only its diriv), the diriv an
// rmdir moved out (gocryptfs.diriv.rmdir.<n>), and a .name or diriv file
// being written (<name>.tmp<hex>). The plaintext view hides them, but
// gocryptfs -fsck reports them and sync clients copy them everywhere.

// Leftover is a temporary backing name of a cofferfs operation that did
// not finish.
type Leftover struct {
	// Disk is its backing name.
	Disk string
	// What says which operation left it.
	What string
	// Changed is when it was last changed here (its ctime): a young one
	// may belong to an operation still running.
	Changed time.Time
}

// rmdirTemp prefixes the name rmdir gives a directory's diriv (in the
// parent) before it removes the directory.
const rmdirTemp = crypto.DirIVName + ".rmdir."

// rmdirTempName returns a new name for the diriv of a directory being
// removed: rmdirTemp and a random decimal number.
func rmdirTempName() string {
	var r [8]byte
	rand.Read(r[:])
	return rmdirTemp + strconv.FormatUint(binary.BigEndian.Uint64(r[:]), 10)
}

// leftoverKind says which operation left the backing name disk, or "".
func leftoverKind(disk string) string {
	base, tmp := tmpBase(disk)
	switch {
	case isHexSuffix(disk, mkdirTemp, 16):
		return "the hidden directory of a mkdir"
	case isDecSuffix(disk, rmdirTemp):
		return "the diriv of a removed directory"
	case tmp && base == crypto.DirIVName:
		return "a diriv being written"
	case tmp && crypto.IsLongNameFile(base):
		return "a .name file being written"
	}
	return ""
}

// tmpBase returns the name writeSmall was writing, if disk is one of its
// temporary names: the name, tmpInfix and 16 hex digits.
func tmpBase(disk string) (string, bool) {
	n := len(disk) - 16 - len(tmpInfix)
	if n <= 0 || !isHexSuffix(disk, disk[:n]+tmpInfix, 16) {
		return "", false
	}
	return disk[:n], true
}

// isHexSuffix reports whether s is prefix followed by n lowercase hex
// digits.
func isHexSuffix(s, prefix string, n int) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	return ok && len(rest) == n && strings.Trim(rest, "0123456789abcdef") == ""
}

// isDecSuffix reports whether s is prefix followed by 1 to 20 digits.
func isDecSuffix(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	return ok && len(rest) > 0 && len(rest) <= 20 && strings.Trim(rest, "0123456789") == ""
}

// leftover returns the Leftover for backing entry name of dirfd, if it
// is one.
func leftover(dirfd int, name string) (Leftover, bool) {
	what := leftoverKind(name)
	if what == "" {
		return Leftover{}, false
	}
	l := Leftover{Disk: name, What: what}
	var st unix.Stat_t
	if unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
		l.Changed = time.Unix(st.Ctim.Unix())
	}
	return l, true
}

// RemoveLeftover removes the leftover disk of the directory at path: a
// file, or a mkdir's hidden directory that holds nothing but its diriv
// (anything else in it is refused with ENOTEMPTY).
func (f *FS) RemoveLeftover(path, disk string) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	if leftoverKind(disk) == "" {
		return wrapErr(unix.EINVAL, "remove leftover", disk)
	}
	fd, done, err := f.openScanDir(path)
	if err != nil {
		return err
	}
	defer done()
	defer f.dirs.invalidate(path)
	var st unix.Stat_t
	if err := unix.Fstatat(fd, disk, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return wrapErr(err, "remove leftover "+disk+" in", path)
	}
	switch {
	case st.Mode&unix.S_IFMT == unix.S_IFDIR && strings.HasPrefix(disk, mkdirTemp):
		err = removeMkdirTemp(fd, disk)
	case st.Mode&unix.S_IFMT == unix.S_IFREG:
		err = unix.Unlinkat(fd, disk, 0)
	default:
		err = unix.EINVAL
	}
	if err == nil {
		err = f.syncDir(fd)
	}
	return wrapErr(err, "remove leftover "+disk+" in", path)
}

// removeMkdirTemp removes a mkdir's hidden directory with its diriv (and
// a diriv being written), and nothing else.
func removeMkdirTemp(dirfd int, disk string) error {
	sub, err := unix.Openat(dirfd, disk, walkFlags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(sub)
	ents, err := readDirents(sub)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Name != crypto.DirIVName && !isDirIVTemp(e.Name) {
			return unix.ENOTEMPTY
		}
	}
	for _, e := range ents {
		if err := unix.Unlinkat(sub, e.Name, 0); err != nil {
			return err
		}
	}
	return unix.Unlinkat(dirfd, disk, unix.AT_REMOVEDIR)
}

// isDirIVTemp reports a diriv being written.
func isDirIVTemp(disk string) bool {
	base, ok := tmpBase(disk)
	return ok && base == crypto.DirIVName
}
