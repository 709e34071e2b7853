package fs_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
)

// TestLostDirIV: a directory without its diriv is "not fully synced"
// while young; once it has not changed for fs.SyncGrace it is reported
// as what it is, a directory a sync client recreated without its IV.
func TestLostDirIV(t *testing.T) {
	v := newVault(t, variants[0].opts)
	must(t, v.Mkdir("d", 0o755, nil))
	writeFile(t, v.FS, "d/f", []byte("x"))
	must(t, os.Remove(filepath.Join(v.backing(t, "d"), crypto.DirIVName)))
	w := v.open(t)
	_, err := w.ReadDir("d")
	wantIncomplete(t, err, "young directory")
	w.SetClock(func() time.Time { return time.Now().Add(fs.SyncGrace + time.Minute) })
	for what, err := range map[string]error{"ReadDir": second(w.ReadDir("d")), "Stat below": second(w.Stat("d/f"))} {
		var le *fs.LostIVError
		if !errors.As(err, &le) || le.Path != "d" || fs.IsIncomplete(err) || !fs.IsCorrupt(err) || !errors.Is(err, fs.ErrDirIVLost) {
			t.Errorf("%s of an old directory without IV: %v", what, err)
		}
	}
}
