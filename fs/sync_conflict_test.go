package fs_test

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/syncname"
)

// Conflict copies made by sync clients, planted in the backing directory
// the way each client names them, are shown under the decrypted name with
// the marker kept before the extension, and can be read, renamed and
// deleted by that name.

// syncMarkers are the markers sync clients put into conflict copies.
var syncMarkers = []struct{ client, marker string }{
	{"dropbox-host", " (laptop's conflicted copy 2026-11-26)"},
	{"dropbox", " (conflicted copy 2026-11-26)"},
	{"gdrive", " (1)"},
	{"onedrive", "-DESKTOP-AB12CD"},
	{"nextcloud", " (conflicted copy 2026-11-26 101010)"},
	{"seafile", " (SFConflict alice@example.com 2026-11-26-10-10-10)"},
	{"syncthing", ".sync-conflict-20261126-101010-ABCDEFG"},
	{"icloud", " 2"},
}

// conflictForm returns the name a sync client gives the conflict copy of
// a backing name: the marker goes before the extension.
func conflictForm(disk, marker string) string { return syncname.Insert(disk, marker) }

// shown returns the plaintext name a conflict copy of plain is shown as.
func shown(plain, marker string) string { return conflictForm(plain, marker) }

// plantConflict makes the file at plain a conflict: its current backing
// file is kept as the conflict copy with marker, and plain gets newData.
// It returns the backing path of the copy.
func plantConflict(t *testing.T, v *vault, plain, marker string, newData []byte) string {
	t.Helper()
	back := v.backing(t, plain)
	cp := filepath.Join(filepath.Dir(back), conflictForm(filepath.Base(back), marker))
	b, err := os.ReadFile(back)
	must(t, err)
	must(t, os.WriteFile(cp, b, 0o644))
	writeFile(t, v.FS, plain, newData)
	return cp
}

func TestConflictCopies(t *testing.T) {
	for _, vr := range []variant{variants[0], variants[3], {"longnames", fs.Options{Algorithm: crypto.AESGCM, Raw64: true, DirIV: true, LongNameMax: 62}}} {
		t.Run(vr.name, func(t *testing.T) {
			for _, m := range syncMarkers {
				t.Run(m.client, func(t *testing.T) { testConflictCopy(t, vr, m.marker) })
			}
		})
	}
}

func testConflictCopy(t *testing.T, vr variant, marker string) {
	v := newVault(t, vr.opts)
	must(t, v.Mkdir("docs", 0o755, nil))
	plain := "docs/quarterly report of the team.txt" // long with LongNameMax 62
	writeFile(t, v.FS, plain, []byte("old version"))
	cp := plantConflict(t, v, plain, marker, []byte("new version"))
	name := shown("quarterly report of the team.txt", marker)
	if got := names(t, v.FS, "docs"); !slices.Contains(got, name) || !slices.Contains(got, "quarterly report of the team.txt") || len(got) != 2 {
		t.Fatalf("listing %q, want the file and %q", got, name)
	}
	if _, bad, err := v.Inspect().ReadDirBad("docs"); err != nil || len(bad) != 0 {
		t.Errorf("bad names %v, %v", bad, err)
	}
	if got := readFile(t, v.FS, "docs/"+name); string(got) != "old version" {
		t.Errorf("conflict copy reads %q", got)
	}
	if got := readFile(t, v.FS, plain); string(got) != "new version" {
		t.Errorf("file reads %q", got)
	}
	if c, err := v.CipherPath("docs/" + name); err != nil || filepath.Join(v.dir, c) != cp {
		t.Errorf("CipherPath of the copy: %q, %v, want %q", c, err, cp)
	}
	// Renamed, it becomes an ordinary entry; the original keeps its .name.
	must(t, v.Rename("docs/"+name, "docs/kept.txt", 0))
	if _, err := os.Lstat(cp); !os.IsNotExist(err) {
		t.Errorf("backing copy still there after rename: %v", err)
	}
	if got := readFile(t, v.FS, "docs/kept.txt"); string(got) != "old version" {
		t.Errorf("renamed copy reads %q", got)
	}
	if got := readFile(t, v.FS, plain); string(got) != "new version" {
		t.Errorf("file after the rename reads %q", got)
	}
	// Deleted by its shown name, only the copy goes.
	cp = plantConflict(t, v, plain, marker, []byte("newest"))
	must(t, v.Unlink("docs/"+name))
	if _, err := os.Lstat(cp); !os.IsNotExist(err) {
		t.Errorf("backing copy still there after unlink: %v", err)
	}
	if got := names(t, v.FS, "docs"); len(got) != 2 {
		t.Errorf("after unlink: %q", got)
	}
	checkNoBadNames(t, v.FS, "")
}

// TestConflictLongNameFiles pairs conflict copies of hashed names with
// the original or a conflict copy of their .name file.
func TestConflictLongNameFiles(t *testing.T) {
	v := newVault(t, variants[0].opts)
	name := "long-" + strings.Repeat("y", 191) + ".txt"
	writeFile(t, v.FS, name, []byte("v1"))
	back := v.backing(t, name)
	dir, disk := filepath.Dir(back), filepath.Base(back)
	const marker = " (conflicted copy 2026-11-26)"
	// The object is a conflict copy; only a conflict copy of its .name
	// file is left (the original was renamed away on the other side).
	must(t, os.Rename(back, filepath.Join(dir, conflictForm(disk, marker))))
	must(t, os.Rename(back+".name", filepath.Join(dir, conflictForm(disk+".name", marker))))
	want := shown(name, marker)
	if got := names(t, v.FS, ""); len(got) != 1 || got[0] != want {
		t.Fatalf("listing %q, want %q", got, want)
	}
	if got := readFile(t, v.FS, want); string(got) != "v1" {
		t.Errorf("reads %q", got)
	}
	// The object is original and its .name exists only as a copy.
	must(t, os.Rename(filepath.Join(dir, conflictForm(disk, marker)), back))
	if got := names(t, v.FS, ""); len(got) != 1 || got[0] != name {
		t.Fatalf("listing %q, want %q", got, name)
	}
	// A .name copy whose content belongs to another name does not pair.
	writeFile(t, v.FS, "long-"+strings.Repeat("z", 191)+".txt", nil)
	other, err := os.ReadFile(v.backing(t, "long-"+strings.Repeat("z", 191)+".txt") + ".name")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, conflictForm(disk+".name", marker)), other, 0o444))
	if got := names(t, v.FS, ""); len(got) != 1 {
		t.Errorf("listing with a mismatched .name copy: %q", got)
	}
}

// TestConflictDirectory copies a backing directory under a conflict
// name: its contents are reachable through the shown name.
func TestConflictDirectory(t *testing.T) {
	for _, m := range syncMarkers[:4] {
		t.Run(m.client, func(t *testing.T) {
			v := newVault(t, variants[0].opts)
			must(t, v.Mkdir("photos", 0o755, nil))
			writeFile(t, v.FS, "photos/a.jpg", []byte("A"))
			back := v.backing(t, "photos")
			copyTree(t, back, conflictForm(back, m.marker))
			v.InvalidateDir("") // as the mount's watcher does on the sync client's change
			name := shown("photos", m.marker)
			if got := names(t, v.FS, name); len(got) != 1 || got[0] != "a.jpg" {
				t.Fatalf("listing of %q: %q", name, got)
			}
			if got := readFile(t, v.FS, name+"/a.jpg"); string(got) != "A" {
				t.Errorf("reads %q", got)
			}
			writeFile(t, v.FS, name+"/b.jpg", []byte("B"))
			must(t, v.Rename(name, "photos-other", 0))
			if got := names(t, v.FS, "photos-other"); len(got) != 2 {
				t.Errorf("renamed copy lists %q", got)
			}
			checkNoBadNames(t, v.FS, "")
		})
	}
}

// copyTree copies a backing directory (regular files and directories).
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	must(t, os.Mkdir(to, 0o755))
	ents, err := os.ReadDir(from)
	must(t, err)
	for _, e := range ents {
		src, dst := filepath.Join(from, e.Name()), filepath.Join(to, e.Name())
		if e.IsDir() {
			copyTree(t, src, dst)
			continue
		}
		b, err := os.ReadFile(src)
		must(t, err)
		must(t, os.WriteFile(dst, b, 0o644))
	}
}

// plantIVConflict makes the directory dir (plaintext) hold, besides its
// own entries, the entries of a second directory created elsewhere with
// another IV, and that IV as a conflict copy of gocryptfs.diriv, as two
// machines that created the same directory leave it after syncing. The
// other side's files are given as name -> content.
func plantIVConflict(t *testing.T, v *vault, dir, marker string, other map[string]string) {
	t.Helper()
	must(t, v.Mkdir("other-side", 0o755, nil))
	for n, c := range other {
		writeFile(t, v.FS, "other-side/"+n, []byte(c))
	}
	from, to := v.backing(t, "other-side"), v.backing(t, dir)
	ents, err := os.ReadDir(from)
	must(t, err)
	for _, e := range ents {
		target := e.Name()
		if target == crypto.DirIVName {
			target = conflictForm(target, marker)
		}
		must(t, os.Rename(filepath.Join(from, e.Name()), filepath.Join(to, target)))
	}
	must(t, os.Remove(from))
}

func TestDirIVConflict(t *testing.T) {
	for _, vr := range []variant{variants[0], variants[2]} {
		t.Run(vr.name, func(t *testing.T) {
			v := newVault(t, vr.opts)
			must(t, v.Mkdir("d", 0o755, nil))
			writeFile(t, v.FS, "d/mine.txt", []byte("mine"))
			writeFile(t, v.FS, "d/same.txt", []byte("my same"))
			const marker = " (conflicted copy 2026-11-26)"
			long := strings.Repeat("L", 100) + ".txt"
			plantIVConflict(t, v, "d", marker, map[string]string{"theirs.txt": "theirs", "same.txt": "their same", long: "long"})
			w := v.open(t) // a fresh view: no cached listing
			got := names(t, w, "d")
			slices.Sort(got)
			// Only a name both sides have gets the marker (issue 10, point 6).
			want := []string{long, "mine.txt", "same.txt", shown("same.txt", marker), "theirs.txt"}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("listing %q, want %q", got, want)
			}
			for name, content := range map[string]string{"mine.txt": "mine", "same.txt": "my same",
				shown("same.txt", marker): "their same", "theirs.txt": "theirs", long: "long"} {
				if b, err := tryReadFile(v.open(t), "d/"+name); err != nil || string(b) != content {
					t.Errorf("%s reads %q, %v, want %q", name, b, err, content)
				}
			}
			if _, err := v.open(t).Stat("d/absent.txt"); !errors.Is(err, unix.ENOENT) {
				t.Errorf("Stat of a name no side has: %v", err)
			}
			// New names use the directory's own IV; renamed, an entry
			// under the copy's IV becomes an ordinary one.
			writeFile(t, w, "d/new.txt", nil)
			must(t, w.Rename("d/theirs.txt", "d/theirs2.txt", 0))
			if b := readFile(t, v.open(t), "d/theirs2.txt"); string(b) != "theirs" {
				t.Errorf("renamed entry reads %q", b)
			}
			must(t, w.Unlink("d/"+long))
			if got := names(t, v.open(t), "d"); len(got) != 5 || slices.Contains(got, long) {
				t.Errorf("after rename and unlink: %q", got)
			}
			// A file created under a name only the copy's IV had is found, not made twice.
			writeFile(t, w, "d/theirs2.txt", []byte("new"))
			if got := names(t, v.open(t), "d"); len(got) != 5 {
				t.Errorf("after writing theirs2.txt: %q", got)
			}
		})
	}
}

// TestConflictPlainPath maps the cipher path of a conflict copy back to
// the name it is shown under.
func TestConflictPlainPath(t *testing.T) {
	v := newVault(t, variants[0].opts)
	must(t, v.Mkdir("d", 0o755, nil))
	writeFile(t, v.FS, "d/a.txt", []byte("1"))
	cp := plantConflict(t, v, "d/a.txt", " (1)", []byte("2"))
	rel, err := filepath.Rel(v.dir, cp)
	must(t, err)
	if got, err := v.PlainPath(rel); err != nil || got != "d/a (1).txt" {
		t.Errorf("PlainPath(%q) = %q, %v", rel, got, err)
	}
}

// TestConflictHostileMarker: a copy planted with marker text no sync
// client writes is hidden and logged, not shown under the cloud's name.
func TestConflictHostileMarker(t *testing.T) {
	log := fstest.NewLogRecorder(nil)
	opts := variants[0].opts
	opts.Logger = slog.New(log)
	v := newVault(t, opts)
	writeFile(t, v.FS, "a.txt", []byte("secret"))
	back := v.backing(t, "a.txt")
	const marker = " (conflict\n`rm -rf ~`)"
	must(t, os.WriteFile(back+marker, []byte(readBacking(t, back)), 0o644))
	if got := names(t, v.FS, ""); !slices.Equal(got, []string{"a.txt"}) {
		t.Errorf("listing %q, want only a.txt", got)
	}
	_, bad, err := v.Inspect().ReadDirBad("")
	must(t, err)
	if len(bad) != 1 || bad[0].Disk != filepath.Base(back)+marker || !strings.Contains(bad[0].Err.Error(), "marker") {
		t.Errorf("bad names %v, want the planted copy with a marker error", bad)
	}
	if _, err := v.Stat("a (conflict\n`rm -rf ~`).txt"); err == nil {
		t.Error("the planted copy can be looked up by the attacker's name")
	}
	if len(log.Lines("hidden from listing")) == 0 {
		t.Errorf("not logged: %q", log.Lines())
	}
}

func readBacking(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return string(b)
}

// TestDirIVConflictTwoCopies: with two diriv conflict copies that both
// hold a name, one entry shows it plain and the other with its marker,
// and each name reads the entry the listing showed under it.
func TestDirIVConflictTwoCopies(t *testing.T) {
	v := newVault(t, variants[0].opts)
	must(t, v.Mkdir("d", 0o755, nil))
	plantIVConflict(t, v, "d", " (conflicted copy 2026-11-26)", map[string]string{"x.txt": "first", "a.txt": "a"})
	v2 := *v
	v2.FS = v.open(t) // no cached "other-side" from the first planting
	plantIVConflict(t, &v2, "d", " (1)", map[string]string{"x.txt": "second", "b.txt": "b"})
	w := v.open(t)
	got := names(t, w, "d")
	slices.Sort(got)
	if len(got) != 4 || !slices.Contains(got, "a.txt") || !slices.Contains(got, "b.txt") || !slices.Contains(got, "x.txt") {
		t.Fatalf("listing %q", got)
	}
	contents := map[string]bool{}
	for _, n := range got {
		b, err := tryReadFile(v.open(t), "d/"+n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		contents[string(b)] = true
	}
	if len(contents) != 4 {
		t.Errorf("the names %q read only %d different entries", got, len(contents))
	}
}

// TestConflictRecordInvalidate: a directory known to hold no conflict
// copy answers lookups without probing for copies; a copy a sync client
// adds later is found once the directory is invalidated (the mount's
// watcher does that) or its record expires.
func TestConflictRecordInvalidate(t *testing.T) {
	v := newVault(t, variants[0].opts)
	must(t, v.Mkdir("docs", 0o755, nil))
	writeFile(t, v.FS, "docs/2026-11-30-backup.tar", []byte("old"))
	const marker = "-DESKTOP-AB12CD"
	name := "docs/" + shown("2026-11-30-backup.tar", marker)
	if _, err := v.Stat(name); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("stat of the copy before it exists: %v", err)
	}
	back := v.backing(t, "docs/2026-11-30-backup.tar")
	b, err := os.ReadFile(back)
	must(t, err)
	must(t, os.WriteFile(conflictForm(back, marker), b, 0o644))
	v.InvalidateDir("docs")
	if got := readFile(t, v.FS, name); string(got) != "old" {
		t.Errorf("copy reads %q", got)
	}
}
