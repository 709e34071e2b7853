package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// Entries hidden from a listing (a name that does not decrypt, a
// Syncthing download) are logged by the real daemon and counted in
// cofferfs status, for a background and a foreground mount.

// plantHidden puts two entries a listing hides into the cipherdir root.
func plantHidden(t *testing.T, cipher string) {
	t.Helper()
	for _, name := range []string{"QUFBQUFBQUFBQUFBQUFBQUFB", ".syncthing.report.tmp"} {
		if err := os.WriteFile(filepath.Join(cipher, name), []byte("planted"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// waitHidden lists mnt until status shows want hidden entries for it.
func waitHidden(t *testing.T, c cli, mnt, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var st string
	for time.Now().Before(deadline) {
		ents, err := os.ReadDir(mnt)
		if err != nil || len(ents) != 1 {
			t.Fatalf("listing the mount: %v, %v", ents, err)
		}
		if statusField(c, mnt, "HIDDEN") == want {
			return
		}
		st = c.must("status")
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("status does not show %s hidden entries for %s:\n%s", want, mnt, st)
}

// wantLogged fails unless log names both planted entries.
func wantLogged(t *testing.T, what, log string) {
	t.Helper()
	mustContain(t, what, log, "name does not decrypt, hidden from listing", "QUFBQUFBQUFBQUFBQUFBQUFB",
		"not fully synced yet, hidden from listing", ".syncthing.report.tmp")
}

func TestLifecycleHiddenEntries(t *testing.T) {
	t.Run("background", func(t *testing.T) {
		c, cipher, mnt, pw := newLifecycle(t)
		os.Remove(daemon.LogFile(mnt))
		c.must("mount", "--passfile", pw, cipher, mnt)
		if err := os.WriteFile(filepath.Join(mnt, "kept.txt"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		plantHidden(t, cipher)
		waitHidden(t, c, mnt, "2")
		c.must("unmount", mnt)
		if _, err := os.Stat("/dev/log"); err == nil {
			return // the daemon logs to syslog; the foreground case checks the lines
		}
		log, err := os.ReadFile(daemon.LogFile(mnt))
		if err != nil {
			t.Fatal(err)
		}
		wantLogged(t, "daemon log", string(log))
		if n := strings.Count(string(log), "hidden from listing"); n != 2 {
			t.Errorf("%d lines about hidden entries after many listings, want 2:\n%s", n, log)
		}
	})
	t.Run("foreground", func(t *testing.T) {
		c, cipher, mnt, pw := newLifecycle(t)
		logPath := filepath.Join(t.TempDir(), "stderr")
		logf, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		cmd := exec.Command(c.bin, "mount", "-f", "--passfile", pw, cipher, mnt)
		cmd.Stderr = logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stopProcess(cmd) })
		deadline := time.Now().Add(15 * time.Second)
		for !isMounted(t, mnt) {
			if time.Now().After(deadline) {
				t.Fatal("foreground mount did not come up")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := os.WriteFile(filepath.Join(mnt, "kept.txt"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		plantHidden(t, cipher)
		waitHidden(t, c, mnt, "2")
		c.must("unmount", mnt)
		stopProcess(cmd)
		log, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		wantLogged(t, "foreground log", string(log))
	})
}

// stopProcess ends a foreground mount: SIGTERM (it unmounts), then
// SIGKILL if it has not exited after ten seconds.
func stopProcess(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
