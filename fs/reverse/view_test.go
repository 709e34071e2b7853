package reverse_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/reverse"
	"golang.org/x/sys/unix"
)

// plainView makes a view of a fresh plain directory with a fixed key.
func plainView(t *testing.T, opts reverse.Options) (*reverse.View, string) {
	t.Helper()
	plain := t.TempDir()
	opts.Raw64, opts.DirIV = true, true
	v, err := reverse.New(plain, make([]byte, 32), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, plain
}

// viewNames returns the shown names of a view directory, without the
// virtual diriv.
func viewNames(t *testing.T, v *reverse.View, dir string) []string {
	t.Helper()
	ents, err := v.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name != crypto.DirIVName {
			out = append(out, e.Name)
		}
	}
	return out
}

// TestExclude: gitignore patterns hide files and whole directories (a
// directory-only pattern leaves the directory, empty, as gocryptfs
// does); a hidden entry cannot be looked up by its encrypted name
// either.
func TestExclude(t *testing.T) {
	v, plain := plainView(t, reverse.Options{Exclude: []string{"*.tmp", "/cache/", "!keep.tmp", "# comment", "deep/**/x"}})
	for _, p := range []string{"a.tmp", "keep.tmp", "b.txt", "sub/c.tmp", "cache/f", "sub/cache/f", "deep/1/2/x", "deep/y"} {
		full := filepath.Join(plain, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{"keep.tmp": true, "b.txt": true, "sub": true, "sub/cache": true, "sub/cache/f": true, "cache": true,
		"deep": true, "deep/1": true, "deep/1/2": true, "deep/y": true}
	all, _ := reverse.New(plain, make([]byte, 32), reverse.Options{Raw64: true, DirIV: true})
	defer all.Close()
	got := map[string]bool{}
	var walk func(vdir, pdir string)
	walk = func(vdir, pdir string) { // map view names back through the unfiltered view
		for _, n := range viewNames(t, all, vdir) {
			vp := strings.TrimPrefix(vdir+"/"+n, "/")
			pp := strings.TrimPrefix(pdir+"/"+plainName(t, plain, all, vdir, pdir, n), "/")
			_, err := v.Stat(vp)
			if err == nil {
				got[pp] = true
			} else if !errors.Is(err, unix.ENOENT) {
				t.Errorf("Stat %s: %v", pp, err)
			}
			if st, _ := all.Stat(vp); st.Mode&unix.S_IFMT == unix.S_IFDIR {
				walk(vp, pp)
			}
		}
	}
	walk("", "")
	for p := range want {
		if !got[p] {
			t.Errorf("%s hidden, want shown", p)
		}
	}
	for p := range got {
		if !want[p] {
			t.Errorf("%s shown, want hidden", p)
		}
	}
	if n := len(viewNames(t, v, "")); n != 5 { // keep.tmp, b.txt, sub, deep, cache (empty)
		t.Errorf("root lists %d names, want 5", n)
	}
}

// plainName finds which plain entry of pdir shows as view name n.
func plainName(t *testing.T, plain string, v *reverse.View, vdir, pdir, n string) string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(plain, pdir))
	if err != nil {
		t.Fatal(err)
	}
	st, err := v.Stat(strings.TrimPrefix(vdir+"/"+n, "/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		var pst unix.Stat_t
		if err := unix.Lstat(filepath.Join(plain, pdir, e.Name()), &pst); err == nil && pst.Ino == st.Ino {
			return e.Name()
		}
	}
	t.Fatalf("no plain entry for %s", n)
	return ""
}

// TestChangedWhileRead: a plain file written or replaced after Open makes
// the next read fail with ErrChanged (EIO) instead of mixing versions.
func TestChangedWhileRead(t *testing.T) {
	v, plain := plainView(t, reverse.Options{})
	p := filepath.Join(plain, "f")
	if err := os.WriteFile(p, make([]byte, 3*4096), 0o644); err != nil {
		t.Fatal(err)
	}
	name := viewNames(t, v, "")[0]
	f, err := v.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4128)
	if _, err := f.ReadAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteAt([]byte("changed"), 5000); err != nil {
		t.Fatal(err)
	}
	w.Close()
	_, err = f.ReadAt(buf, 4128)
	if !errors.Is(err, reverse.ErrChanged) || !errors.Is(err, unix.EIO) {
		t.Fatalf("read after a write: %v, want ErrChanged", err)
	}
	g, err := v.Open(name) // a fresh open sees the new version
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.ReadAt(buf, 4128); err != nil {
		t.Fatalf("fresh open: %v", err)
	}
}

// TestNotRegular: directories and FIFOs cannot be opened; unknown names,
// names that are not canonical and the plain config's own encrypted name
// do not resolve.
func TestNotRegular(t *testing.T) {
	v, plain := plainView(t, reverse.Options{})
	if err := unix.Mkfifo(filepath.Join(plain, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(plain, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plain, crypto.ReverseConfigName), []byte("{}"), 0o400); err != nil {
		t.Fatal(err)
	}
	names := viewNames(t, v, "")
	if len(names) != 3 || !slices.Contains(names, crypto.ConfigName) {
		t.Fatalf("root lists %q, want two encrypted names and gocryptfs.conf", names)
	}
	for _, n := range names {
		st, _ := v.Stat(n)
		_, err := v.Open(n)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			if !errors.Is(err, unix.EISDIR) {
				t.Errorf("open dir: %v", err)
			}
		case unix.S_IFIFO:
			if !errors.Is(err, unix.EACCES) {
				t.Errorf("open fifo: %v", err)
			}
		}
	}
	for _, bad := range []string{"nonsense", "AAAAAAAAAAAAAAAAAAAAAA", "gocryptfs.longname.xyz", "x/" + crypto.DirIVName} {
		if _, err := v.Stat(bad); err == nil {
			t.Errorf("Stat(%q) succeeded", bad)
		}
	}
}

// TestDirCacheStale: a cached view directory whose plain directory was
// removed or replaced by a symlink fails lookups below it, and a
// recreated one works again.
func TestDirCacheStale(t *testing.T) {
	v, plain := plainView(t, reverse.Options{})
	d := filepath.Join(plain, "d")
	if err := os.MkdirAll(filepath.Join(d, "e"), 0o755); err != nil {
		t.Fatal(err)
	}
	dv := viewNames(t, v, "")[0]
	ev := dv + "/" + viewNames(t, v, dv)[0]
	if _, err := v.Stat(ev); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(d)
	if _, err := v.Stat(ev); err == nil {
		t.Error("child of a removed directory still resolves")
	}
	other := t.TempDir()
	os.Mkdir(filepath.Join(other, "e"), 0o755)
	if err := os.Symlink(other, d); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Stat(ev); err == nil {
		t.Error("lookup followed a symlink swapped in for a cached directory")
	}
	os.Remove(d)
	os.MkdirAll(filepath.Join(d, "e"), 0o755)
	if _, err := v.Stat(ev); err != nil {
		t.Errorf("recreated directory: %v", err)
	}
}
