package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSymlinkedMountpoint: a mountpoint given through a symlink (a
// symlinked ~/Dropbox) is resolved once; mount, status and unmount all
// work on the real path, whichever of the two names is given.
func TestSymlinkedMountpoint(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(mnt, link); err != nil {
		t.Fatal(err)
	}
	c.must("mount", "-q", "--passfile", pw, cipher, link)
	if st := c.must("status"); !strings.Contains(st, mnt) {
		t.Errorf("status does not show the real mountpoint %s:\n%s", mnt, st)
	}
	c.must("unmount", mnt)
	if isMounted(t, mnt) {
		t.Fatal("still mounted after unmount by the real path")
	}
	c.must("mount", "-q", "--passfile", pw, cipher, mnt)
	c.must("unmount", link)
	if isMounted(t, mnt) {
		t.Fatal("still mounted after unmount through the symlink")
	}
}
