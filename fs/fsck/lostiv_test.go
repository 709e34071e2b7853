package fsck_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/fsck"
)

// later is a clock past the grace period for objects a sync client is
// still writing.
func later() time.Time { return time.Now().Add(time.Hour) }

// takeEntries removes the backing entries of the plaintext paths (and
// their .name files) and returns them, by backing name, as a sync client
// would carry them to another machine.
func takeEntries(t *testing.T, v *vault, paths ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range paths {
		back := v.backing(t, p)
		for _, file := range []string{back, back + ".name"} {
			b, err := os.ReadFile(file)
			if os.IsNotExist(err) {
				continue
			}
			must(t, err)
			out[filepath.Base(file)] = b
			must(t, os.Remove(file))
		}
	}
	return out
}

// recreate makes the backing directory dir again, without a diriv, and
// puts the entries into it, as a sync client does with a directory that
// was deleted or renamed on one machine while another added to it.
func recreate(t *testing.T, dir string, ents map[string][]byte) {
	t.Helper()
	must(t, os.Mkdir(dir, 0o755))
	for name, b := range ents {
		must(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
}

// TestLostDirIVRenamed: d was renamed to e on one machine while another
// added two files to d. The sync client recreates d without its IV; the
// IV lives on in e, and Repair finds it there.
func TestLostDirIVRenamed(t *testing.T) {
	v := newVault(t)
	must(t, v.Mkdir("d", 0o755, nil))
	long := strings.Repeat("L", 200)
	write(t, v.FS, "d/old", []byte("old"))
	write(t, v.FS, "d/new.txt", []byte("added elsewhere"))
	write(t, v.FS, "d/"+long, []byte("long"))
	db := v.backing(t, "d")
	added := takeEntries(t, v, "d/new.txt", "d/"+long)
	must(t, v.Rename("d", "e", 0))
	recreate(t, db, added)

	// Young: a sync client may still be delivering the diriv.
	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true})
	must(t, err)
	if m := kinds(rep)[fsck.MissingDirIV]; len(m) != 1 || m[0].Repaired || len(rep.Findings) != 1 {
		t.Fatalf("young: %+v", rep.Findings)
	}
	if _, err := os.Stat(filepath.Join(db, crypto.DirIVName)); !os.IsNotExist(err) {
		t.Fatalf("a young directory got a diriv: %v", err)
	}

	rep, err = fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true, Now: later})
	must(t, err)
	lost := kinds(rep)[fsck.LostDirIV]
	if len(lost) != 1 || !lost[0].Repaired || lost[0].Path != "d" || len(rep.Findings) != 1 {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	if !strings.Contains(lost[0].Detail, "recreated") || strings.Contains(lost[0].Detail, "not fully synced") {
		t.Errorf("detail: %s", lost[0].Detail)
	}
	w := v.open(t)
	if b := read(t, w, "d/new.txt"); string(b) != "added elsewhere" {
		t.Errorf("d/new.txt: %q", b)
	}
	if b := read(t, w, "d/"+long); string(b) != "long" {
		t.Errorf("long name: %q", b)
	}
	if b := read(t, w, "e/old"); string(b) != "old" {
		t.Errorf("e/old: %q", b)
	}
	again, err := fsck.Check(context.Background(), v.open(t), fsck.Options{})
	must(t, err)
	if len(again.Findings) != 0 {
		t.Errorf("after repair: %+v", again.Findings)
	}
	gocryptfsFsck(t, v)
}

// TestLostDirIVDeleted: d was deleted on one machine while another added
// a file to it; a file from another directory was added too. No IV the
// vault still has decrypts every name, so the entries go to lost+found
// under their encrypted names, readable, and d is left empty.
func TestLostDirIVDeleted(t *testing.T) {
	v := newVault(t)
	must(t, v.Mkdir("d", 0o755, nil))
	must(t, v.Mkdir("other", 0o755, nil))
	write(t, v.FS, "d/new.txt", []byte("added elsewhere"))
	write(t, v.FS, "other/x", []byte("from other"))
	db := v.backing(t, "d")
	added := takeEntries(t, v, "d/new.txt", "other/x")
	must(t, v.Rmdir("d"))
	recreate(t, db, added)

	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true, Now: later})
	must(t, err)
	lost := kinds(rep)[fsck.LostDirIV]
	if len(lost) != 1 || !lost[0].Repaired || rep.Unrepaired() != 0 {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	w := v.open(t)
	ents, err := w.ReadDir("lost+found/d")
	must(t, err)
	got := map[string]string{}
	for _, e := range ents {
		got[e.Name] = string(read(t, w, "lost+found/d/"+e.Name))
	}
	if len(got) != 2 || !strings.Contains(lost[0].Action, "lost+found/d") {
		t.Errorf("lost+found/d holds %q; action %q", got, lost[0].Action)
	}
	for name, content := range got {
		if _, ok := added[name]; !ok || content != "added elsewhere" && content != "from other" {
			t.Errorf("lost+found/d/%s: %q", name, content)
		}
	}
	if ents, err := w.ReadDir("d"); err != nil || len(ents) != 0 {
		t.Errorf("d after repair: %v, %v", ents, err)
	}
	again, err := fsck.Check(context.Background(), v.open(t), fsck.Options{})
	must(t, err)
	if len(again.Findings) != 0 {
		t.Errorf("after repair: %+v", again.Findings)
	}
	gocryptfsFsck(t, v)
}
