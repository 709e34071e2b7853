package fstest

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// ExtractShared unpacks the reference archive file (e.g.
// "reverse-view.tar") into a new temporary directory and returns it.
func ExtractShared(t testing.TB, file string) string {
	t.Helper()
	tarball := filepath.Join(GoldenDir(t), file)
	dir := t.TempDir()
	out, err := exec.Command("tar", "-x", "-p", "--xattrs", "--xattrs-include=*", "-C", dir, "-f", tarball).CombinedOutput()
	if err != nil {
		t.Fatalf("fstest: extract %s: %v\n%s", tarball, err, out)
	}
	return dir
}
