package reverse_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/reverse"
	"golang.org/x/sys/unix"
)

// viewPath finds the view name of the plain entry whose inode number is
// ino in the view directory dir.
func viewPath(t *testing.T, v *reverse.View, dir string, ino uint64) string {
	t.Helper()
	ents, err := v.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Ino == ino {
			if dir == "" {
				return e.Name
			}
			return dir + "/" + e.Name
		}
	}
	t.Fatalf("no entry with inode %d in %q", ino, dir)
	return ""
}

func plainIno(t *testing.T, p string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func readViewFile(t *testing.T, v *reverse.View, p string) []byte {
	t.Helper()
	st, err := v.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(readView(t, v, p, st.Size))
}

// TestHardLinksShareFirstOpen: the paths of a hard-linked file show the
// ciphertext of the path opened first (and share its inode number); a
// fresh view opened through another path first shows that path's.
func TestHardLinksShareFirstOpen(t *testing.T) {
	_, plain := plainView(t, reverse.Options{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(plain, "d"), 0o755))
	must(os.WriteFile(filepath.Join(plain, "a"), bytes.Repeat([]byte("x"), 5000), 0o644))
	must(os.Link(filepath.Join(plain, "a"), filepath.Join(plain, "d", "b")))
	ino := plainIno(t, filepath.Join(plain, "a"))
	open := func() *reverse.View {
		v, err := reverse.New(plain, make([]byte, 32), reverse.Options{Raw64: true, DirIV: true})
		must(err)
		t.Cleanup(func() { v.Close() })
		return v
	}
	v := open()
	pa := viewPath(t, v, "", ino)
	pb := viewPath(t, v, viewPath(t, v, "", plainIno(t, filepath.Join(plain, "d"))), ino)
	sa, _ := v.Stat(pa)
	sb, _ := v.Stat(pb)
	if sa.Ino != ino || sb.Ino != ino || sa.Nlink != 2 {
		t.Errorf("inode numbers %d and %d (nlink %d), want the plain %d for both", sa.Ino, sb.Ino, sa.Nlink, ino)
	}
	first := readViewFile(t, v, pb)
	if got := readViewFile(t, v, pa); !bytes.Equal(got, first) {
		t.Error("the root path does not show the ciphertext of d/b, opened first")
	}
	v2 := open()
	other := readViewFile(t, v2, pa)
	if bytes.Equal(other, first) {
		t.Error("a fresh view opened through the root path first shows d/b's ciphertext")
	}
	if got := readViewFile(t, v2, pb); !bytes.Equal(got, other) {
		t.Error("d/b does not show the ciphertext of the root path, opened first")
	}
}

// TestInodeNamespaces: plain objects keep their inode numbers; virtual
// files take their plain object's number in a namespace (the top 16
// bits) numbered by the order their kind is first seen, as in gocryptfs;
// st_blocks is the plain object's.
func TestInodeNamespaces(t *testing.T) {
	v, plain := plainView(t, reverse.Options{})
	long := strings.Repeat("n", 200)
	if err := os.WriteFile(filepath.Join(plain, long), []byte("long"), 0o644); err != nil {
		t.Fatal(err)
	}
	ino := plainIno(t, filepath.Join(plain, long))
	rootIno := plainIno(t, plain)
	var nameFile, longName string
	for _, n := range viewNames(t, v, "") {
		if crypto.IsLongNameFile(n) {
			nameFile = n
		} else if crypto.IsLongName(n) {
			longName = n
		}
	}
	for _, c := range []struct {
		path string
		want uint64
	}{
		{nameFile, 1<<48 | ino}, // seen first: namespace 1
		{crypto.DirIVName, 2<<48 | rootIno},
		{longName, ino},
		{nameFile, 1<<48 | ino},
	} {
		st, err := v.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Ino != c.want {
			t.Errorf("%s: inode %#x, want %#x", c.path, st.Ino, c.want)
		}
		var pst unix.Stat_t
		unix.Lstat(filepath.Join(plain, long), &pst)
		if c.path != crypto.DirIVName && st.Blocks != pst.Blocks {
			t.Errorf("%s: %d blocks, want the plain %d", c.path, st.Blocks, pst.Blocks)
		}
	}
}

// TestListedThenChanged: what a listing found serves one lookup only: a
// file that grows after the listing shows its new size from the second
// stat on, and one removed after it is gone then.
func TestListedThenChanged(t *testing.T) {
	v, plain := plainView(t, reverse.Options{})
	for _, n := range []string{"grows", "goes"} {
		if err := os.WriteFile(filepath.Join(plain, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	names := viewNames(t, v, "") // lists both, remembering their lstat
	if len(names) != 2 {
		t.Fatalf("root lists %q", names)
	}
	grows := viewPath(t, v, "", plainIno(t, filepath.Join(plain, "grows")))
	goes := viewPath(t, v, "", plainIno(t, filepath.Join(plain, "goes")))
	viewNames(t, v, "")
	if err := os.WriteFile(filepath.Join(plain, "grows"), bytes.Repeat([]byte("y"), 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(plain, "goes")); err != nil {
		t.Fatal(err)
	}
	v.Stat(grows) // may still be the listing's
	v.Stat(goes)
	st, err := v.Stat(grows)
	if err != nil || st.Size != int64(v.Content().CipherSize(5000)) {
		t.Errorf("second stat after the change: size %d, %v; want %d", st.Size, err, v.Content().CipherSize(5000))
	}
	if _, err := v.Stat(goes); !errors.Is(err, unix.ENOENT) {
		t.Errorf("second stat of a removed file: %v, want ENOENT", err)
	}
}
