package reverse

import (
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

// listFd lists the open plain directory fd. An entry without a type
// (DT_UNKNOWN) is lstat'ed below fd; one gone since the listing is left
// out.
func listFd(fd int) ([]plainEntry, error) {
	var out []plainEntry
	err := sysx.ReadDirents(fd, func(d sysx.Dirent) {
		e := plainEntry{name: d.Name, typ: d.Mode, ino: d.Ino}
		if e.typ == 0 {
			var st unix.Stat_t
			if unix.Fstatat(fd, d.Name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
				return // gone since the listing
			}
			e.typ = st.Mode & unix.S_IFMT
		}
		out = append(out, e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
