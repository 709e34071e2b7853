package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecondWriterRefused checks that while a vault is mounted
// read-write, a second read-write mount (also through a symlink),
// "cofferfs run", "fsck --repair" and "import" are refused with the pid
// and mountpoint of the mount, that read-only use still works, and that
// a kill -9 of the daemon releases the vault.
func TestSecondWriterRefused(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	c.must("mount", "--passfile", pw, cipher, mnt)
	pid := daemonPID(t, c, mnt)
	mnt2 := t.TempDir()
	t.Cleanup(func() { c.run("unmount", "--lazy", mnt2) })
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(cipher, link); err != nil {
		t.Fatal(err)
	}
	refused := func(what string, args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var errb bytes.Buffer
		cmd := exec.CommandContext(ctx, c.bin, args...)
		cmd.Stderr = &errb
		cmd.Run() // a mount -f that was not refused serves until the timeout
		code, errs := cmd.ProcessState.ExitCode(), errb.String()
		if code != exitBusy || !strings.Contains(errs, "pid "+strconv.Itoa(pid)) || !strings.Contains(errs, mnt) {
			t.Errorf("%s while mounted: exit %d, want %d naming pid %d and %s\n%s", what, code, exitBusy, pid, mnt, errs)
		}
		if isMounted(t, mnt2) {
			c.run("unmount", mnt2)
			t.Errorf("%s mounted a second time", what)
		}
	}
	refused("second mount", "mount", "--passfile", pw, cipher, mnt2)
	refused("second mount through a symlink", "mount", "--passfile", pw, link, mnt2)
	refused("second mount -f", "mount", "-f", "--passfile", pw, cipher, mnt2)
	refused("run", "run", "--passfile", pw, cipher, "--", "true")
	refused("fsck --repair", "fsck", "--repair", "--passfile", pw, cipher)
	refused("import --force", "import", "--force", "--passfile", pw, t.TempDir(), cipher)

	c.must("mount", "--ro", "--passfile", pw, cipher, mnt2)
	c.must("unmount", mnt2)
	c.must("fsck", "--passfile", pw, cipher)

	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !waitExit(pid, 10*time.Second) {
		t.Fatal("daemon did not die")
	}
	if _, errs, code := c.run("fsck", "--repair", "--passfile", pw, cipher); code == exitBusy {
		t.Errorf("fsck --repair after kill -9 of the daemon: exit %d\n%s", code, errs)
	}
	c.must("unmount", mnt)
}

// TestMountInsideRunRefused checks the backup job and the mount unit at
// once: a mount started while "cofferfs run" holds the vault is refused.
func TestMountInsideRunRefused(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	_, errs, code := c.run("run", "--passfile", pw, cipher, "--", c.bin, "mount", "--passfile", pw, cipher, mnt)
	if code != exitBusy || !strings.Contains(errs, "cofferfs run") {
		t.Errorf("mount during run: exit %d, want %d\n%s", code, exitBusy, errs)
	}
	if isMounted(t, mnt) {
		t.Error("mounted during run")
	}
}
