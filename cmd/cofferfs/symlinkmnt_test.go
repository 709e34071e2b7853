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

// TestPathUnderMountpoint: path takes a path under a live mountpoint of
// the vault (what a user has in hand) as well as a vault path.
func TestPathUnderMountpoint(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	c.must("mount", "-q", "--passfile", pw, cipher, mnt)
	defer c.run("unmount", "-q", mnt)
	os.MkdirAll(filepath.Join(mnt, "d"), 0o700)
	os.WriteFile(filepath.Join(mnt, "d", "f.txt"), []byte("x"), 0o600)
	want := c.must("path", "--passfile", pw, cipher, "d/f.txt")
	if got := c.must("path", "--passfile", pw, cipher, filepath.Join(mnt, "d", "f.txt")); got != want {
		t.Errorf("path of %s/d/f.txt = %q, want %q", mnt, got, want)
	}
}

// TestPathRelative: --root DIR and --relative (the synced folder's root,
// found by the client's marker) print the cipher path as the provider's
// version history shows it.
func TestPathRelative(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, ".dropbox"), nil, 0o600)
	dir := filepath.Join(root, "backups", "v")
	os.MkdirAll(filepath.Dir(dir), 0o700)
	pf := tempFile(t, "pw", "pw\n")
	expectCode(t, exitOK, "", "init", "--scryptn", "10", "--passfile", pf, dir)
	abs := strings.TrimSpace(expectCode(t, exitOK, "", "path", "--passfile", pf, dir, "x").stdout)
	want := strings.TrimPrefix(abs, root+"/")
	for _, args := range [][]string{{"--relative"}, {"--root", root}} {
		got := strings.TrimSpace(expectCode(t, exitOK, "", append(append([]string{"path", "--passfile", pf}, args...), dir, "x")...).stdout)
		if got != want {
			t.Errorf("path %v: %q, want %q", args, got, want)
		}
	}
	expectCode(t, exitUsage, "", "path", "--passfile", pf, "--root", t.TempDir(), dir, "x")
	expectCode(t, exitUsage, "", "path", "--passfile", pf, "--cipher", "--relative", dir, abs)
}
