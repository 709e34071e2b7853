package fs_test

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Every change through the FS is in the ChangeLog while it records, with
// the directories above the changed paths covering what is inside them;
// reads are not changes, and nothing is logged after stop.
func TestRecordChanges(t *testing.T) {
	v := newVault(t, variants[0].opts)
	must(t, v.Mkdir("d", 0o755, nil))
	writeFile(t, v.FS, "d/f", []byte("x"))
	writeFile(t, v.FS, "keep", []byte("x"))
	writeFile(t, v.FS, "w", []byte("x"))
	log, stop := v.RecordChanges()
	if _, err := v.Stat("keep"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ReadDir("d"); err != nil {
		t.Fatal(err)
	}
	must(t, v.Mkdir("new", 0o755, nil))
	must(t, v.Rename("d", "moved", 0))
	must(t, v.Symlink("t", "sl", nil))
	must(t, v.Link("keep", "hard"))
	f, err := v.Open("w", unix.O_RDWR)
	must(t, err)
	_, err = f.WriteAt([]byte("y"), 1)
	must(t, err)
	must(t, f.Close())
	for _, p := range []string{"new", "d", "d/f", "moved", "moved/f", "sl", "hard", "w"} {
		if !log.Touched(p) {
			t.Errorf("%s changed but not in the log", p)
		}
	}
	stop()
	must(t, v.Unlink("keep"))
	for _, p := range []string{"keep", "", "other", "ne", "movedx/f"} {
		if log.Touched(p) {
			t.Errorf("%s in the log, not changed while it recorded", p)
		}
	}
}
