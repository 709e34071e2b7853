package reverse

import (
	"encoding/binary"
	"unsafe"

	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// plainEntry is one entry of a plain directory as getdents64 reports it.
type plainEntry struct {
	name string
	typ  uint32 // S_IF* bits
	ino  uint64 // d_ino
}

// isDir reports whether the entry is a directory.
func (e plainEntry) isDir() bool { return e.typ == unix.S_IFDIR }

// direntBuf is the getdents64 buffer size.
const direntBuf = 32 << 10

// readPlainDir lists a plain directory (without "." and ".."), with the
// inode numbers the view's listing passes on.
func (v *View) readPlainDir(rel string) ([]plainEntry, error) {
	fd, err := v.openPlain(rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return listFd(fd)
}

// listFd lists the open plain directory fd.
func listFd(fd int) ([]plainEntry, error) {
	var out []plainEntry
	buf := make([]byte, direntBuf)
	for {
		k, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if k <= 0 {
			return out, nil
		}
		if out, err = parseDirents(fd, buf[:k], out); err != nil {
			return nil, err
		}
	}
}

// parseDirents appends the linux_dirent64 records of b to out. A
// record without a type (DT_UNKNOWN) is lstat'ed below the directory fd.
func parseDirents(fd int, b []byte, out []plainEntry) ([]plainEntry, error) {
	const nameOff = int(unsafe.Offsetof(unix.Dirent{}.Name))
	for len(b) >= nameOff {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < nameOff || reclen > len(b) {
			return out, unix.EIO
		}
		rec := b[:reclen]
		b = b[reclen:]
		name := rec[nameOff:]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if s := string(name); s != "." && s != ".." {
			e := plainEntry{name: s, typ: sysx.DirentMode(rec[18]), ino: binary.NativeEndian.Uint64(rec[0:8])}
			if e.typ == 0 {
				var st unix.Stat_t
				if err := unix.Fstatat(fd, s, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
					continue // gone since the listing
				}
				e.typ = st.Mode & unix.S_IFMT
			}
			out = append(out, e)
		}
	}
	return out, nil
}
