package fs_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
)

// nameFile returns the content of the .name file of a long-named entry,
// or "" if the entry is short; it fails if a long entry lacks it.
func nameFile(t *testing.T, v *vault, path string) string {
	t.Helper()
	b := v.backing(t, path)
	if !crypto.IsLongName(filepath.Base(b)) {
		return ""
	}
	data, err := os.ReadFile(b + crypto.LongNameSuffix)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(data)
}

func wantContent(t *testing.T, v *vault, path, want string) {
	t.Helper()
	if got := readFile(t, v.FS, path); string(got) != want {
		t.Fatalf("%s: content %q, want %q", path, got, want)
	}
}

func wantGone(t *testing.T, v *vault, path string) {
	t.Helper()
	_, err := v.Stat(path)
	wantErrno(t, err, unix.ENOENT, "Stat of "+path)
}

func TestRename(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long1, long2 := strings.Repeat("L", 200), strings.Repeat("M", 255)
		must(t, v.Mkdir("d1", 0o755, nil))
		must(t, v.Mkdir("d2", 0o755, nil))

		// Over an existing file, across directories, short <-> long.
		writeFile(t, v.FS, "d1/a", []byte("a"))
		writeFile(t, v.FS, "d2/b", []byte("b"))
		must(t, v.Rename("d1/a", "d2/b", 0))
		wantContent(t, v, "d2/b", "a")
		wantGone(t, v, "d1/a")
		must(t, v.Rename("d2/b", "d1/"+long1, 0))
		if nf := nameFile(t, v, "d1/"+long1); nf == "" {
			t.Fatalf("short -> long: .name file %q", nf)
		}
		must(t, v.Rename("d1/"+long1, "d2/"+long2, 0))
		must(t, v.Rename("d2/"+long2, "d2/short", 0))
		wantContent(t, v, "d2/short", "a")
		if got := names(t, v.FS, "d1"); len(got) != 0 {
			t.Errorf("d1 after moving everything out: %q", got)
		}
		checkBackingClean(t, v)

		// Onto itself and between two links of one file: nothing changes.
		must(t, v.Rename("d2/short", "d2/short", 0))
		must(t, v.Link("d2/short", "d2/"+long1))
		must(t, v.Rename("d2/"+long1, "d2/"+long1, 0))
		must(t, v.Rename("d2/short", "d2/"+long1, 0))
		wantContent(t, v, "d2/short", "a")
		wantContent(t, v, "d2/"+long1, "a")
		must(t, v.Rename("d2/"+long1, "d2/short", 0))
		wantContent(t, v, "d2/short", "a")
		checkBackingClean(t, v)

		// Directories: over an empty one (which still holds a diriv in
		// the backing dir), not onto a non-empty one or a file.
		must(t, v.Mkdir("e1", 0o755, nil))
		writeFile(t, v.FS, "e1/inside", []byte("in"))
		must(t, v.Mkdir("e2", 0o700, nil))
		must(t, v.Mkdir(long1, 0o700, nil))
		must(t, v.Rename("e1", "e2", 0))
		wantContent(t, v, "e2/inside", "in")
		must(t, v.Rename("e2", long1, 0))
		wantContent(t, v, long1+"/inside", "in")
		must(t, v.Mkdir("full", 0o755, nil))
		writeFile(t, v.FS, "full/x", []byte("x"))
		wantErrno(t, v.Rename(long1, "full", 0), unix.ENOTEMPTY, "Rename onto a non-empty dir")
		wantContent(t, v, long1+"/inside", "in")
		wantContent(t, v, "full/x", "x")
		wantErrno(t, v.Rename(long1, "d2/short", 0), unix.ENOTDIR, "Rename of a dir onto a file")
		wantErrno(t, v.Rename("d2/short", "full", 0), unix.EISDIR, "Rename of a file onto a dir")
		wantErrno(t, v.Rename(long1, long1+"/sub", 0), unix.EINVAL, "Rename of a dir into itself")
		must(t, v.Rename(long1, "full/"+long2, 0))
		wantContent(t, v, "full/"+long2+"/inside", "in")
		checkBackingClean(t, v)

		// Errors leave no .name file behind.
		wantErrno(t, v.Rename("missing", long1, 0), unix.ENOENT, "Rename of a missing entry")
		wantErrno(t, v.Rename("d2/short", "missing/"+long1, 0), unix.ENOENT, "Rename into a missing dir")
		wantErrno(t, v.Rename("", "x", 0), unix.EBUSY, "Rename of the root")
		checkBackingClean(t, v)
	})
}

func TestRenameFlags(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long1, long2 := strings.Repeat("L", 200), strings.Repeat("M", 180)
		writeFile(t, v.FS, "short", []byte("short"))
		writeFile(t, v.FS, long1, []byte("long1"))
		writeFile(t, v.FS, long2, []byte("long2"))

		wantErrno(t, v.Rename("short", long1, unix.RENAME_NOREPLACE), unix.EEXIST, "RENAME_NOREPLACE onto a file")
		wantErrno(t, v.Rename(long1, long2, unix.RENAME_NOREPLACE), unix.EEXIST, "RENAME_NOREPLACE long onto long")
		wantContent(t, v, long1, "long1")
		wantContent(t, v, long2, "long2")
		must(t, v.Rename("short", "new-"+long1, unix.RENAME_NOREPLACE))
		wantContent(t, v, "new-"+long1, "short")
		must(t, v.Rename("new-"+long1, "short", unix.RENAME_NOREPLACE))
		checkBackingClean(t, v)

		// Exchange keeps both names, so both .name files stay.
		nf1 := nameFile(t, v, long1)
		must(t, v.Rename("short", long1, unix.RENAME_EXCHANGE))
		wantContent(t, v, "short", "long1")
		wantContent(t, v, long1, "short")
		if got := nameFile(t, v, long1); got != nf1 {
			t.Errorf(".name of %s changed by RENAME_EXCHANGE", long1[:8])
		}
		must(t, v.Rename(long2, long1, unix.RENAME_EXCHANGE))
		wantContent(t, v, long1, "long2")
		wantContent(t, v, long2, "short")
		must(t, v.Mkdir("dir", 0o755, nil))
		must(t, v.Rename("dir", long2, unix.RENAME_EXCHANGE))
		if st, err := v.Stat(long2); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
			t.Errorf("RENAME_EXCHANGE of a dir and a file: %o, %v", st.Mode, err)
		}
		wantContent(t, v, "dir", "short")
		wantErrno(t, v.Rename("short", "missing-"+long1, unix.RENAME_EXCHANGE), unix.ENOENT, "RENAME_EXCHANGE with a missing entry")
		checkBackingClean(t, v)
		got := names(t, v.FS, "")
		slices.Sort(got)
		if want := []string{long1, long2, "dir", "short"}; !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("listing %q", got)
		}
	})
}

func TestLinkUnlink(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long := strings.Repeat("H", 210)
		must(t, v.Mkdir("d", 0o755, nil))
		writeFile(t, v.FS, "f", bytes.Repeat([]byte("0123456789"), 1000))
		must(t, v.Link("f", "d/"+long))
		must(t, v.Link("d/"+long, "g"))
		st, err := v.Stat("g")
		must(t, err)
		if st.Nlink != 3 || st.Size != 10000 {
			t.Errorf("link count %d size %d, want 3, 10000", st.Nlink, st.Size)
		}

		// Write through one name, read through the others, with handles
		// open on both at once.
		a, err := v.Open("d/"+long, unix.O_RDWR)
		must(t, err)
		b, err := v.Open("g", unix.O_RDONLY)
		must(t, err)
		_, err = a.WriteAt([]byte("written through the long link"), 4090)
		must(t, err)
		buf := make([]byte, 29)
		_, err = b.ReadAt(buf, 4090)
		must(t, err)
		if string(buf) != "written through the long link" {
			t.Errorf("read through the other link: %q", buf)
		}
		must(t, a.Truncate(0))
		_, err = a.WriteAt([]byte("new file ID"), 0)
		must(t, err)
		must(t, a.Close())
		must(t, b.Close())
		wantContent(t, v, "f", "new file ID")

		wantErrno(t, v.Link("f", "g"), unix.EEXIST, "Link onto an existing name")
		wantErrno(t, v.Link("d", "dirlink"), unix.EPERM, "Link of a directory")
		wantErrno(t, v.Link("missing", long), unix.ENOENT, "Link of a missing file")
		checkBackingClean(t, v)

		// Unlink removes the long name's .name file.
		must(t, v.Unlink("d/"+long))
		wantGone(t, v, "d/"+long)
		if got := diskNames(t, v.backing(t, "d")); len(got) != map[bool]int{true: 1, false: 0}[v.opts.DirIV] {
			t.Errorf("backing dir after unlinking the long name: %q", got)
		}
		wantContent(t, v, "g", "new file ID")
		wantErrno(t, v.Unlink("d"), unix.EISDIR, "Unlink of a directory")
		wantErrno(t, v.Unlink("d/"+long), unix.ENOENT, "Unlink of a missing entry")
		must(t, v.Symlink("target", long, nil))
		must(t, v.Mknod("d/"+long, unix.S_IFIFO|0o644, 0, nil))
		must(t, v.Unlink(long))
		must(t, v.Unlink("d/"+long))
		checkBackingClean(t, v)
	})
}

// TestStaleDirectories replaces directories by rename, rmdir+mkdir and
// exchange, then uses the old paths: every lookup must see the new
// directory (its own IV), never the old one, and a fresh FS must agree.
func TestStaleDirectories(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long := strings.Repeat("S", 200)
		for _, d := range []string{"a", "a/b", "a/b/" + long, "p", "q"} {
			must(t, v.Mkdir(d, 0o755, nil))
		}
		writeFile(t, v.FS, "a/b/"+long+"/f", []byte("old"))
		writeFile(t, v.FS, "p/in-p", []byte("p"))
		writeFile(t, v.FS, "q/in-q", []byte("q"))
		wantContent(t, v, "a/b/"+long+"/f", "old") // warm any cache

		// Rename away and recreate: old paths name the new, empty dirs.
		must(t, v.Rename("a", "x", 0))
		wantGone(t, v, "a/b/"+long+"/f")
		must(t, v.Mkdir("a", 0o755, nil))
		must(t, v.Mkdir("a/b", 0o755, nil))
		must(t, v.Mkdir("a/b/"+long, 0o755, nil))
		wantGone(t, v, "a/b/"+long+"/f")
		writeFile(t, v.FS, "a/b/"+long+"/new", []byte("new"))
		wantContent(t, v, "x/b/"+long+"/f", "old")
		wantGone(t, v, "x/b/"+long+"/new")

		// Rmdir and Mkdir of the same name: a new IV.
		must(t, v.Unlink("a/b/"+long+"/new"))
		must(t, v.Rmdir("a/b/"+long))
		must(t, v.Mkdir("a/b/"+long, 0o755, nil))
		writeFile(t, v.FS, "a/b/"+long+"/again", []byte("again"))

		// Exchange two directories, and rename one over an empty one.
		must(t, v.Rename("p", "q", unix.RENAME_EXCHANGE))
		wantContent(t, v, "q/in-p", "p")
		wantContent(t, v, "p/in-q", "q")
		must(t, v.Mkdir("empty", 0o755, nil))
		must(t, v.Rename("p", "empty", 0))
		wantContent(t, v, "empty/in-q", "q")
		wantGone(t, v, "p/in-q")

		for _, f := range []*vault{v, {FS: v.open(t), dir: v.dir, opts: v.opts}} {
			for path, want := range map[string]string{
				"x/b/" + long + "/f": "old", "a/b/" + long + "/again": "again",
				"q/in-p": "p", "empty/in-q": "q",
			} {
				wantContent(t, f, path, want)
			}
			for dir, n := range map[string]int{"a/b/" + long: 1, "x/b/" + long: 1, "": 4} {
				if got := names(t, f.FS, dir); len(got) != n {
					t.Errorf("ReadDir(%.10q) = %q, want %d names", dir, got, n)
				}
			}
			checkNoBadNames(t, f.FS, "")
		}
		checkBackingClean(t, v)
	})
}
