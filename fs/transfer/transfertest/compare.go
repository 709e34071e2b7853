package transfertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferfs/cofferfs/fs/fstest"
	"golang.org/x/sys/unix"
)

// Compare fails t unless the plain trees want and got are equal: the
// same manifest (types, modes, sizes, contents, symlink targets, user
// xattrs), the same modification times, and the same hard-link groups.
func Compare(t testing.TB, want, got string) {
	t.Helper()
	mw, err := fstest.Manifest(fstest.DirTree(want))
	if err != nil {
		t.Fatal(err)
	}
	mg, err := fstest.Manifest(fstest.DirTree(got))
	if err != nil {
		t.Fatal(err)
	}
	if mw != mg {
		t.Errorf("manifests differ:\nwant:\n%s\ngot:\n%s", mw, mg)
	}
	compareMeta(t, want, got)
}

// compareMeta compares modification times and hard links: entries
// that share an inode in want must share one in got, and have as many
// links there as the group has members inside want.
func compareMeta(t testing.TB, want, got string) {
	t.Helper()
	groups := map[uint64][]string{} // inode in want -> paths
	filepath.Walk(want, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		var sw, sg unix.Stat_t
		if err := unix.Lstat(p, &sw); err != nil {
			return err
		}
		if err := unix.Lstat(filepath.Join(got, rel), &sg); err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if sw.Mtim != sg.Mtim {
			t.Errorf("%s: mtime %v, want %v", rel, sg.Mtim, sw.Mtim)
		}
		if sw.Mode&unix.S_IFMT != unix.S_IFDIR {
			groups[sw.Ino] = append(groups[sw.Ino], rel)
		}
		return nil
	})
	for _, paths := range groups {
		var first unix.Stat_t
		for i, rel := range paths {
			var st unix.Stat_t
			if err := unix.Lstat(filepath.Join(got, rel), &st); err != nil {
				continue // reported above
			}
			if i == 0 {
				first = st
			} else if st.Ino != first.Ino {
				t.Errorf("%s is not a hard link to %s", rel, paths[0])
			}
			if int(st.Nlink) != len(paths) {
				t.Errorf("%s: %d links, want %d", rel, st.Nlink, len(paths))
			}
		}
	}
}

// IsSparse reports whether the file p occupies clearly less space than
// its size, i.e. has holes.
func IsSparse(t testing.TB, p string) bool {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks*512 < st.Size/4
}
