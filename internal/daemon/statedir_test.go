package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestEnsureStateDir(t *testing.T) {
	base := t.TempDir()
	made := filepath.Join(base, "made")
	err := ensureDir(made)
	if fi, serr := os.Lstat(made); err != nil || serr != nil || fi.Mode() != os.ModeDir|0o700 {
		t.Fatalf("ensureDir of a new directory: %v, %v", err, serr)
	}
	private, open, link := filepath.Join(base, "private"), filepath.Join(base, "open"), filepath.Join(base, "link")
	os.Mkdir(private, 0o700)
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o755)
	os.Symlink(private, link)
	if err := checkStateDir(private); err != nil {
		t.Errorf("private directory refused: %v", err)
	}
	var unsafe *UnsafeStateDirError
	for _, d := range []string{open, link} {
		if err := checkStateDir(d); !errors.As(err, &unsafe) {
			t.Errorf("%s accepted: %v", d, err)
		}
	}
}
