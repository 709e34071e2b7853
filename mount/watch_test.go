package mount_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	cofferfs "github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
)

// A sync client changes the backing directory behind a live mount whose
// kernel caches are warm (entries, attributes, file pages, listings,
// a negative entry). Each change shows through the mount within 1 s,
// although the kernel caches for 30 s: the mount watches the backing
// directories and invalidates what changed.

// within polls ok for up to 1 s.
func within(ok func() bool) bool {
	for end := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		if ok() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

func listNames(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

func reads(p, want string) func() bool {
	return func() bool { b, err := os.ReadFile(p); return err == nil && string(b) == want }
}

func absent(p string) func() bool {
	return func() bool { _, err := os.Lstat(p); return errors.Is(err, fs.ErrNotExist) }
}

func TestMountSeesSyncClientChanges(t *testing.T) {
	v := newSyncedVault(t, 0)
	v.cache = 30 * time.Second // long caches: the watcher must invalidate them
	v.prepare(t, func(f *cofferfs.FS) {
		must(t, f.Mkdir("docs", 0o755, nil))
		for _, n := range []string{"a.txt", "b.txt", "gone.txt"} {
			fsWrite(t, f, "docs/"+n, []byte("one "+n))
		}
		must(t, f.Mkdir("docs/sub", 0o755, nil))
		fsWrite(t, f, "docs/sub/x.txt", []byte("x"))
	})
	mnt := v.mount(t, fstest.NewLogRecorder(t))
	docs := filepath.Join(mnt, "docs")
	warm := func() {
		t.Helper()
		for _, n := range []string{"a.txt", "b.txt", "gone.txt", "sub/x.txt"} {
			if _, err := os.ReadFile(filepath.Join(docs, n)); err != nil {
				t.Fatal(err)
			}
		}
		listNames(docs)
		listNames(filepath.Join(docs, "sub"))
		os.Lstat(filepath.Join(docs, "new.txt")) // a negative entry
	}
	warm()
	warm() // the second open keeps the pages (FOPEN_KEEP_CACHE)

	// The sync client: a second view of the same backing directory.
	sc := v.open(t, nil)
	defer sc.Close()
	back := func(p string) string { return backingOf(t, sc, v.dir, p) }

	fsWrite(t, sc, "docs/new.txt", []byte("new"))
	if !within(reads(filepath.Join(docs, "new.txt"), "new")) {
		t.Errorf("new file not seen")
	}
	if !within(func() bool { return slices.Contains(listNames(docs), "new.txt") }) {
		t.Errorf("new file not listed: %q", listNames(docs))
	}

	must(t, sc.Rename("docs/b.txt", "docs/c.txt", 0))
	if !within(absent(filepath.Join(docs, "b.txt"))) || !within(reads(filepath.Join(docs, "c.txt"), "one b.txt")) {
		t.Errorf("rename not seen")
	}

	must(t, sc.Unlink("docs/gone.txt"))
	if !within(absent(filepath.Join(docs, "gone.txt"))) {
		t.Errorf("delete not seen")
	}
	if !within(func() bool { return !slices.Contains(listNames(docs), "gone.txt") }) {
		t.Errorf("deleted file still listed: %q", listNames(docs))
	}

	// Content replaced as sync clients do it: a temporary file renamed
	// over the original. Same size, so only fresh pages tell.
	fsWrite(t, sc, "docs/a.tmp", []byte("ONE a.txt"))
	must(t, os.Rename(back("docs/a.tmp"), back("docs/a.txt")))
	if !within(reads(filepath.Join(docs, "a.txt"), "ONE a.txt")) {
		t.Errorf("replaced content not seen")
	}

	// A whole directory replaced: the old one deleted, a new one moved in.
	must(t, sc.Mkdir("docs/sub2", 0o755, nil))
	fsWrite(t, sc, "docs/sub2/y.txt", []byte("y"))
	subBack, sub2Back := back("docs/sub"), back("docs/sub2")
	must(t, os.RemoveAll(subBack))
	must(t, os.Rename(sub2Back, subBack))
	if !within(func() bool { return slices.Equal(listNames(filepath.Join(docs, "sub")), []string{"y.txt"}) }) {
		t.Errorf("replaced directory lists %q", listNames(filepath.Join(docs, "sub")))
	}
	if !within(reads(filepath.Join(docs, "sub", "y.txt"), "y")) || !within(absent(filepath.Join(docs, "sub", "x.txt"))) {
		t.Errorf("replaced directory's files not seen")
	}
}
