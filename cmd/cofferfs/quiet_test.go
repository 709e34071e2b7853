package main

import (
	"strings"
	"testing"
)

// TestMountUnmountQuiet: mount -q prints nothing on success (cron mail
// stays empty); unmount says what it did, unless -q.
func TestMountUnmountQuiet(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	out, errs, code := c.run("mount", "-q", "--passfile", pw, cipher, mnt)
	if code != 0 || out != "" || errs != "" {
		t.Fatalf("mount -q: exit %d, printed %q %q", code, out, errs)
	}
	out, errs, code = c.run("unmount", mnt)
	if code != 0 || out != "" || !strings.Contains(errs, "cofferfs: unmounted "+mnt) || !strings.Contains(errs, "locked") {
		t.Fatalf("unmount: exit %d, printed %q %q", code, out, errs)
	}
	_, errs, _ = c.run("mount", "--passfile", pw, cipher, mnt)
	mustContain(t, "mount", errs, "mounted ")
	out, errs, code = c.run("lock", "-q", mnt)
	if code != 0 || out != "" || errs != "" {
		t.Fatalf("lock -q: exit %d, printed %q %q", code, out, errs)
	}
}

// TestOneEntryConflict: a count of one is "1 entry", without the
// internal "transfer:" prefix.
func TestOneEntryConflict(t *testing.T) {
	dir, pf, _ := makeVault(t, "pw")
	src := tempFile(t, "f.txt", "x")
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pf, src, dir)
	r := expectCode(t, exitPlainDir, "", "import", "-q", "--passfile", pf, src, dir)
	mustContain(t, "stderr", r.stderr, "error: 1 entry already exists in the vault: f.txt")
}
