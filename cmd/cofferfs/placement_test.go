package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMountpointInsideVaultRefused checks that a mountpoint inside the
// cipherdir is refused, also when reached through a symlink, and a
// cipherdir inside the mountpoint too.
func TestMountpointInsideVaultRefused(t *testing.T) {
	c, cipher, _, pw := newLifecycle(t)
	inside := filepath.Join(cipher, "plain")
	os.Mkdir(inside, 0o700)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(cipher, link); err != nil {
		t.Fatal(err)
	}
	for _, mnt := range []string{inside, filepath.Join(link, "plain")} {
		_, errs, code := c.run("mount", "--passfile", pw, cipher, mnt)
		if code != exitPlainDir || !strings.Contains(errs, "inside the vault") {
			t.Errorf("mount on %s: exit %d\n%s", mnt, code, errs)
		}
		if isMounted(t, mnt) || isMounted(t, inside) {
			c.run("unmount", mnt)
			t.Fatalf("a mountpoint inside the vault was mounted")
		}
	}
	_, errs, code := c.run("mount", "--passfile", pw, cipher, filepath.Dir(cipher))
	if code != exitPlainDir || !strings.Contains(errs, "inside the mountpoint") {
		t.Errorf("mount on the vault's parent: exit %d\n%s", code, errs)
	}
	_, errs, code = c.run("run", "--passfile", pw, "--mountpoint", inside, cipher, "--", "true")
	if code != exitPlainDir || !strings.Contains(errs, "inside the vault") {
		t.Errorf("run --mountpoint inside the vault: exit %d\n%s", code, errs)
	}
}

// TestMountpointInSyncedFolderWarns checks the warning for a mountpoint
// beside the vault in a Syncthing folder.
func TestMountpointInSyncedFolderWarns(t *testing.T) {
	c, _, _, pw := newLifecycle(t)
	sync := filepath.Join(t.TempDir(), "Sync")
	os.MkdirAll(filepath.Join(sync, ".stfolder"), 0o700)
	cipher, mnt := filepath.Join(sync, "vault"), filepath.Join(sync, "docs", "plain")
	os.MkdirAll(mnt, 0o700)
	c.must("init", "--scryptn", "10", "--passfile", pw, cipher)
	_, errs, code := c.run("mount", "--passfile", pw, cipher, mnt)
	if code != 0 {
		t.Fatalf("mount: exit %d\n%s", code, errs)
	}
	c.must("unmount", mnt)
	mustContain(t, "stderr", errs, "warning: mountpoint "+mnt+" is inside the Syncthing folder "+sync)

	other := t.TempDir()
	_, errs, code = c.run("mount", "--passfile", pw, cipher, other)
	if code != 0 || strings.Contains(errs, "warning") {
		t.Errorf("a mountpoint outside the synced folder: exit %d\n%s", code, errs)
	}
	c.run("unmount", other)
}
