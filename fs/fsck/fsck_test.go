package fsck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/fsck"
	"golang.org/x/sys/unix"
)

// TestClean: a vault with every kind of entry checks clean.
func TestClean(t *testing.T) {
	v := newVault(t)
	must(t, v.Mkdir("d", 0o755, nil))
	write(t, v.FS, "d/big", randBytes(1, 5*bs+7))
	write(t, v.FS, "d/"+strings.Repeat("l", 200), []byte("long name"))
	write(t, v.FS, "empty", nil)
	must(t, v.Symlink("d/big", "link", nil))
	must(t, v.Link("d/big", "hardlink"))
	must(t, v.Setxattr("empty", "user.k", []byte("v"), 0))
	rep, err := fsck.Check(context.Background(), v.FS, fsck.Options{})
	must(t, err)
	if len(rep.Findings) != 0 || rep.Problems() != 0 {
		t.Fatalf("findings on a clean vault: %+v", rep.Findings)
	}
	if rep.Dirs != 2 || rep.Files != 3 || rep.Symlinks != 1 || rep.Bytes != 5*bs+7+9 {
		t.Errorf("counts: %+v", rep)
	}
}

// damagedVault plants one of every problem; it returns the plaintext
// data of the file with damaged blocks.
func damagedVault(t *testing.T, v *vault) []byte {
	t.Helper()
	must(t, v.Mkdir("docs", 0o755, nil))
	data := randBytes(2, 5*bs+100)
	write(t, v.FS, "docs/report.txt", data)
	c := v.Content()
	back := v.backing(t, "docs/report.txt")
	flip(t, back, c.BlockOffset(1)+40) // blocks 1 and 2
	flip(t, back, c.BlockOffset(2)+40)
	flip(t, back, c.BlockOffset(4)+40) // block 4
	write(t, v.FS, "docs/header.bin", []byte("header"))
	flip(t, v.backing(t, "docs/header.bin"), 0) // the format version
	// A conflict copy (Dropbox).
	write(t, v.FS, "docs/notes.txt", []byte("old notes"))
	nb := v.backing(t, "docs/notes.txt")
	old, err := os.ReadFile(nb)
	must(t, err)
	must(t, os.WriteFile(nb+" (conflicted copy 2026-11-26)", old, 0o644))
	write(t, v.FS, "docs/notes.txt", []byte("new notes"))
	// A name that does not decrypt (9 bytes: never a whole EME block), a
	// foreign file, a placeholder.
	dd := filepath.Dir(nb)
	must(t, os.WriteFile(filepath.Join(dd, "QUFBQUFBQUFB"), []byte("garbage"), 0o644))
	must(t, os.WriteFile(filepath.Join(v.dir, ".DS_Store"), []byte("finder"), 0o644))
	write(t, v.FS, "docs/later.bin", []byte("will arrive"))
	must(t, os.Truncate(v.backing(t, "docs/later.bin"), 9))
	// An orphan .name file, a symlink and an xattr that do not decrypt.
	write(t, v.FS, strings.Repeat("o", 200), nil)
	ob := v.backing(t, strings.Repeat("o", 200))
	must(t, os.Remove(ob))
	age(t, ob+".name")
	must(t, v.Symlink("target", "docs/link", nil))
	lb := v.backing(t, "docs/link")
	must(t, os.Remove(lb))
	must(t, os.Symlink("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", lb))
	write(t, v.FS, "attr", nil)
	must(t, v.Setxattr("attr", "user.x", []byte("value"), 0))
	var val [64]byte
	names := make([]byte, 256)
	n, err := unix.Listxattr(v.backing(t, "attr"), names)
	must(t, err)
	stored := strings.TrimRight(string(names[:n]), "\x00")
	m, err := unix.Getxattr(v.backing(t, "attr"), stored, val[:])
	must(t, err)
	val[3] ^= 1
	must(t, unix.Setxattr(v.backing(t, "attr"), stored, val[:m], 0))
	// An empty directory whose diriv has not arrived.
	must(t, v.Mkdir("fresh", 0o755, nil))
	must(t, os.Remove(filepath.Join(v.backing(t, "fresh"), crypto.DirIVName)))
	return data
}

// kinds returns the findings by kind.
func kinds(rep *fsck.Report) map[fsck.Kind][]fsck.Finding {
	out := map[fsck.Kind][]fsck.Finding{}
	for _, f := range rep.Findings {
		out[f.Kind] = append(out[f.Kind], f)
	}
	return out
}

func TestFindings(t *testing.T) {
	v := newVault(t)
	damagedVault(t, v)
	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{})
	must(t, err)
	k := kinds(rep)
	blocks := k[fsck.CorruptBlock]
	if len(blocks) != 2 || *blocks[0].Blocks != (fsck.Blocks{First: 1, Last: 2}) || *blocks[1].Blocks != (fsck.Blocks{First: 4, Last: 4}) {
		t.Errorf("corrupt blocks: %+v", blocks)
	}
	if blocks[0].Path != "docs/report.txt" || filepath.Join(v.dir, blocks[0].CipherPath) != v.backing(t, "docs/report.txt") {
		t.Errorf("paths of the corrupt block: %+v", blocks[0])
	}
	want := map[fsck.Kind]int{fsck.CorruptHeader: 1, fsck.ConflictCopy: 1, fsck.BadName: 1, fsck.Foreign: 1,
		fsck.NotSynced: 1, fsck.OrphanName: 1, fsck.CorruptSymlink: 1, fsck.CorruptXattr: 1, fsck.MissingDirIV: 1}
	for kind, n := range want {
		if len(k[kind]) != n {
			t.Errorf("%s: %d findings, want %d: %+v", kind, len(k[kind]), n, rep.Findings)
		}
	}
	if c := k[fsck.ConflictCopy]; len(c) == 1 && c[0].Path != "docs/notes (conflicted copy 2026-11-26).txt" {
		t.Errorf("conflict copy path %q", c[0].Path)
	}
	if b := k[fsck.BadName]; len(b) == 1 && (b[0].Dir != "docs" || !strings.HasSuffix(b[0].CipherPath, "/QUFBQUFBQUFB")) {
		t.Errorf("bad name: %+v", b[0])
	}
	if rep.Problems() != len(rep.Findings)-1 || rep.Unrepaired() != rep.Problems() {
		t.Errorf("problems %d, unrepaired %d of %d findings", rep.Problems(), rep.Unrepaired(), len(rep.Findings))
	}
	js, err := json.Marshal(rep)
	must(t, err)
	for _, s := range []string{`"kind":"corrupt block"`, `"blocks":{"first":1,"last":2}`, `"cipher_path":`, `"path":"docs/report.txt"`, `"problem":true`} {
		if !bytes.Contains(js, []byte(s)) {
			t.Errorf("JSON lacks %s: %s", s, js)
		}
	}
}

func TestRepair(t *testing.T) {
	v := newVault(t)
	data := damagedVault(t, v)
	rawBefore, err := os.ReadFile(v.backing(t, "docs/report.txt"))
	must(t, err)
	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true})
	must(t, err)
	for _, f := range rep.Findings {
		if f.Problem && !f.Repaired && f.Kind != fsck.NotSynced {
			t.Errorf("not repaired: %+v", f)
		}
	}
	if len(kinds(rep)[fsck.NotSynced]) != 1 || rep.Unrepaired() != 1 {
		t.Errorf("the placeholder must be left alone: %+v", rep.Findings)
	}
	w := v.open(t)
	// The damaged file: in lost+found, intact blocks readable, damaged
	// ones zero, their ciphertext kept at the same offsets.
	got := read(t, w, "lost+found/docs%2Freport.txt")
	for b := 0; b < 6; b++ {
		want := data[b*bs : min(len(data), (b+1)*bs)]
		if b == 1 || b == 2 || b == 4 {
			want = make([]byte, len(want))
		}
		if !bytes.Equal(got[b*bs:min(len(got), (b+1)*bs)], want) {
			t.Errorf("block %d of the salvaged file", b)
		}
	}
	raw := read(t, w, "lost+found/docs%2Freport.txt.damaged-ciphertext")
	c := w.Content()
	for _, r := range [][2]int64{{0, crypto.HeaderSize}, {c.BlockOffset(1), c.BlockOffset(3)}, {c.BlockOffset(4), c.BlockOffset(5)}} {
		if !bytes.Equal(raw[r[0]:r[1]], rawBefore[r[0]:r[1]]) {
			t.Errorf("kept ciphertext %v differs", r)
		}
	}
	if _, err := w.Stat("docs/report.txt"); err == nil {
		t.Error("the damaged file is still in place")
	}
	if got := read(t, w, "docs/notes (conflicted copy 2026-11-26).txt"); string(got) != "old notes" {
		t.Errorf("conflict copy after repair: %q", got)
	}
	if _, err := w.Stat("lost+found/docs%2FQUFBQUFBQUFB"); err != nil {
		t.Errorf("undecryptable name not in lost+found: %v", err)
	}
	ents, err := w.ReadDir("fresh")
	if err != nil || len(ents) != 0 {
		t.Errorf("fresh directory after repair: %v, %v", ents, err)
	}
	// Once the sync client is done (and the OS junk is gone), the vault
	// checks clean here and in gocryptfs.
	write(t, w, "docs/later.bin", []byte("arrived"))
	must(t, os.Remove(filepath.Join(v.dir, ".DS_Store")))
	again, err := fsck.Check(context.Background(), v.open(t), fsck.Options{})
	must(t, err)
	if again.Problems() != 0 {
		t.Errorf("after repair: %+v", again.Findings)
	}
	gocryptfsFsck(t, v)
}

// TestRepairDirIVConflict: names under a diriv conflict copy become
// ordinary names (their own when free), and the copy goes.
func TestRepairDirIVConflict(t *testing.T) {
	v := newVault(t)
	must(t, v.Mkdir("d", 0o755, nil))
	write(t, v.FS, "d/mine", []byte("mine"))
	write(t, v.FS, "d/same", []byte("my same"))
	must(t, v.Mkdir("other", 0o755, nil))
	write(t, v.FS, "other/theirs", []byte("theirs"))
	write(t, v.FS, "other/same", []byte("their same"))
	write(t, v.FS, "other/"+strings.Repeat("t", 150), []byte("long"))
	from, to := v.backing(t, "other"), v.backing(t, "d")
	ents, err := os.ReadDir(from)
	must(t, err)
	for _, e := range ents {
		name := e.Name()
		if name == crypto.DirIVName {
			name = conflictForm(name, ".sync-conflict-20261126-101010-ABCDEFG")
		}
		must(t, os.Rename(filepath.Join(from, e.Name()), filepath.Join(to, name)))
	}
	must(t, os.Remove(from))
	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true})
	must(t, err)
	k := kinds(rep)
	if len(k[fsck.ConflictCopy]) != 3 || len(k[fsck.IVConflict]) != 1 || rep.Unrepaired() != 0 {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	w := v.open(t)
	got, err := w.ReadDir("d")
	must(t, err)
	var names []string
	for _, e := range got {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	want := []string{"mine", "same", "same.sync-conflict-20261126-101010-ABCDEFG", strings.Repeat("t", 150), "theirs"}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("after repair: %q, want %q", names, want)
	}
	if b := read(t, w, "d/theirs"); string(b) != "theirs" {
		t.Errorf("theirs: %q", b)
	}
	gocryptfsFsck(t, v)
}

// TestRepairMissingDirIV: a missing diriv is re-created from its only
// conflict copy when that copy decrypts every name, and left alone when
// nothing proves which IV is right.
func TestRepairMissingDirIV(t *testing.T) {
	v := newVault(t)
	must(t, v.Mkdir("d", 0o755, nil))
	write(t, v.FS, "d/a", []byte("a"))
	must(t, v.Mkdir("e", 0o755, nil))
	write(t, v.FS, "e/b", []byte("b"))
	d := v.backing(t, "d")
	must(t, os.Rename(filepath.Join(d, crypto.DirIVName), filepath.Join(d, "gocryptfs (1).diriv")))
	must(t, os.WriteFile(filepath.Join(d, crypto.DirIVName), nil, 0o444))
	must(t, os.Remove(filepath.Join(v.backing(t, "e"), crypto.DirIVName)))
	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true})
	must(t, err)
	missing := kinds(rep)[fsck.MissingDirIV]
	if len(missing) != 2 {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	for _, f := range missing {
		if (f.Path == "d") != f.Repaired {
			t.Errorf("%+v", f)
		}
	}
	if b := read(t, v.open(t), "d/a"); string(b) != "a" {
		t.Errorf("d/a: %q", b)
	}
	if _, err := os.Stat(filepath.Join(d, "gocryptfs (1).diriv")); !os.IsNotExist(err) {
		t.Errorf("the copy is still there: %v", err)
	}
}

// TestRepairLongNames: a conflict copy of a hashed name (Syncthing puts
// the marker before the .HASH "extension"), a duplicate conflict copy of
// a .name file, and a .name file that exists only as a conflict copy.
func TestRepairLongNames(t *testing.T) {
	v := newVault(t)
	long := strings.Repeat("x", 180) + ".txt"
	write(t, v.FS, long, []byte("old"))
	back := v.backing(t, long)
	dir, disk := filepath.Dir(back), filepath.Base(back)
	old, err := os.ReadFile(back)
	must(t, err)
	const marker = ".sync-conflict-20261126-101010-ABCDEFG"
	must(t, os.WriteFile(filepath.Join(dir, conflictForm(disk, marker)), old, 0o644))
	write(t, v.FS, long, []byte("new"))
	name, err := os.ReadFile(back + ".name")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, conflictForm(disk+".name", " (1)")), name, 0o444))
	other := strings.Repeat("y", 180)
	write(t, v.FS, other, []byte("y"))
	ob := v.backing(t, other)
	must(t, os.Rename(ob+".name", conflictForm(ob+".name", " (conflicted copy 2026-11-26)")))
	if out, err := runGocryptfsFsck(t, v); err == nil {
		t.Fatalf("gocryptfs -fsck passes before the repair:\n%s", out)
	}

	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true})
	must(t, err)
	k := kinds(rep)
	if len(k[fsck.ConflictCopy]) != 1 || len(k[fsck.StrayName]) != 2 || rep.Unrepaired() != 0 {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	w := v.open(t)
	if b := read(t, w, conflictForm(long, marker)); string(b) != "old" {
		t.Errorf("conflict copy: %q", b)
	}
	if b := read(t, w, long); string(b) != "new" {
		t.Errorf("original: %q", b)
	}
	if b := read(t, w, other); string(b) != "y" {
		t.Errorf("name restored from its copy: %q", b)
	}
	gocryptfsFsck(t, v)
}

// crashLeftovers plants what a daemon killed in mkdir, rmdir and while
// writing a .name or diriv file leaves behind, in the root and in d.
func crashLeftovers(t *testing.T, v *vault) []string {
	t.Helper()
	must(t, v.Mkdir("d", 0o755, nil))
	write(t, v.FS, "d/"+strings.Repeat("n", 200), []byte("long"))
	d := v.backing(t, "d")
	var out []string
	for _, dir := range []string{v.dir, d} {
		mk := filepath.Join(dir, "gocryptfs.mkdir.0123456789abcdef")
		must(t, os.Mkdir(mk, 0o700))
		must(t, os.WriteFile(filepath.Join(mk, crypto.DirIVName), randBytes(3, 16), 0o444))
		must(t, os.WriteFile(filepath.Join(dir, "gocryptfs.diriv.rmdir.12345678901234567"), randBytes(4, 16), 0o444))
		must(t, os.WriteFile(filepath.Join(dir, "gocryptfs.diriv.tmp00112233445566ff"), randBytes(5, 16), 0o444))
		out = append(out, mk, filepath.Join(dir, "gocryptfs.diriv.rmdir.12345678901234567"), filepath.Join(dir, "gocryptfs.diriv.tmp00112233445566ff"))
	}
	long := v.backing(t, "d/"+strings.Repeat("n", 200))
	name, err := os.ReadFile(long + ".name")
	must(t, err)
	must(t, os.WriteFile(long+".name.tmpfedcba9876543210", name[:10], 0o444))
	return append(out, long+".name.tmpfedcba9876543210")
}

// TestRepairCrashLeftovers: temporary names of a killed daemon are
// reported as such, left alone while young (a live daemon may be using
// them), removed by Repair after that, and then gocryptfs -fsck passes.
func TestRepairCrashLeftovers(t *testing.T) {
	v := newVault(t)
	left := crashLeftovers(t, v)
	if out, err := runGocryptfsFsck(t, v); err == nil {
		t.Fatalf("gocryptfs -fsck passes with the leftovers:\n%s", out)
	}
	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true})
	must(t, err)
	if got := kinds(rep)[fsck.Leftover]; len(got) != len(left) || rep.Unrepaired() != len(left) {
		t.Fatalf("young leftovers: %+v", rep.Findings)
	}
	for _, p := range left {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("young leftover removed: %v", err)
		}
	}
	later := func() time.Time { return time.Now().Add(time.Hour) }
	rep, err = fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true, Now: later})
	must(t, err)
	if got := kinds(rep)[fsck.Leftover]; len(got) != len(left) || rep.Unrepaired() != 0 || len(rep.Findings) != len(left) {
		t.Fatalf("old leftovers: %+v", rep.Findings)
	}
	for _, p := range left {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("leftover %s still there: %v", p, err)
		}
	}
	if b := read(t, v.open(t), "d/"+strings.Repeat("n", 200)); string(b) != "long" {
		t.Errorf("long-name file: %q", b)
	}
	gocryptfsFsck(t, v)
}

// TestLeftoverMkdirNotEmpty: a mkdir leftover that holds more than its
// diriv is reported but never removed.
func TestLeftoverMkdirNotEmpty(t *testing.T) {
	v := newVault(t)
	mk := filepath.Join(v.dir, "gocryptfs.mkdir.0123456789abcdef")
	must(t, os.Mkdir(mk, 0o700))
	must(t, os.WriteFile(filepath.Join(mk, "data"), []byte("x"), 0o644))
	later := func() time.Time { return time.Now().Add(time.Hour) }
	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true, Now: later})
	must(t, err)
	if got := kinds(rep)[fsck.Leftover]; len(got) != 1 || got[0].Repaired {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	if _, err := os.Stat(filepath.Join(mk, "data")); err != nil {
		t.Error(err)
	}
}
