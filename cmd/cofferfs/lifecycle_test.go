package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// The lifecycle tests drive the real binary, because a background mount
// re-executes it as its daemon.

// needMount skips without root and /dev/fuse, except under CI=true.
func needMount(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err == nil && os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("lifecycle tests need root and /dev/fuse (CI=true)")
	}
	t.Skip("lifecycle tests need root and /dev/fuse")
}

// built is the binary the lifecycle tests share, built once per run.
var built struct {
	once sync.Once
	bin  string
	err  error
}

// buildBinary builds cofferfs once into a temporary directory, which is
// left for the operating system to clean (a test binary has no hook
// after its last test that this file may claim).
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "cofferfs-test-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.bin = filepath.Join(dir, "cofferfs")
		out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

type cli struct {
	t   *testing.T
	bin string
}

// run runs the binary and returns stdout, stderr and the exit code.
func (c cli) run(args ...string) (string, string, int) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// must runs the binary and fails the test unless it exits 0.
func (c cli) must(args ...string) string {
	c.t.Helper()
	out, errs, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("cofferfs %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

// newLifecycle builds the binary and inits a vault with a passfile.
func newLifecycle(t *testing.T) (c cli, cipher, mnt, pw string) {
	needMount(t)
	c = cli{t: t, bin: buildBinary(t)}
	dir := t.TempDir()
	cipher, mnt, pw = filepath.Join(dir, "cipher"), filepath.Join(dir, "mnt"), filepath.Join(dir, "pw")
	os.Mkdir(mnt, 0o755)
	if err := os.WriteFile(pw, []byte("lifecycle password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.must("init", "--scryptn", "10", "--passfile", pw, cipher)
	t.Cleanup(func() { exec.Command(c.bin, "unmount", "--lazy", mnt).Run() })
	return c, cipher, mnt, pw
}

func isMounted(t *testing.T, mnt string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), " "+mnt+" ")
}

func TestLifecycleMountUseUnmount(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	c.must("mount", "--passfile", pw, cipher, mnt)
	if !isMounted(t, mnt) {
		t.Fatal("mount returned 0 but nothing is mounted")
	}
	if err := os.WriteFile(filepath.Join(mnt, "backup.txt"), []byte("nightly backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.must("status"); !strings.Contains(out, mnt) || !strings.Contains(out, cipher) {
		t.Errorf("status does not list the mount:\n%s", out)
	}
	c.must("unmount", mnt)
	if isMounted(t, mnt) {
		t.Fatal("still mounted after unmount")
	}
	if ents, _ := os.ReadDir(mnt); len(ents) != 0 {
		t.Fatalf("mountpoint shows %d entries after unmount", len(ents))
	}
	c.must("mount", "--ro", "--passfile", pw, cipher, mnt)
	got, err := os.ReadFile(filepath.Join(mnt, "backup.txt"))
	if err != nil || string(got) != "nightly backup" {
		t.Fatalf("after remount: %q, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(mnt, "x"), nil, 0o600); err == nil {
		t.Error("write to a --ro mount succeeded")
	}
	c.must("lock", mnt)
}

func TestLifecycleBusyUnmountNamesHolder(t *testing.T) {
	inModes(t, func(t *testing.T, md lifeMode) {
		c, src, mnt, pw := newLifecycleMode(t, md)
		c.must(md.args("mount", "--passfile", pw, src, mnt)...)
		holder := exec.Command("sleep", "60")
		holder.Dir = mnt
		if err := holder.Start(); err != nil {
			t.Fatal(err)
		}
		defer holder.Process.Kill()
		_, errs, code := c.run("unmount", mnt)
		if code != exitBusy || !strings.Contains(errs, "sleep") || !strings.Contains(errs, "cwd") {
			t.Fatalf("busy unmount: exit %d, stderr:\n%s", code, errs)
		}
		if !isMounted(t, mnt) {
			t.Fatal("a refused unmount unmounted")
		}
		holder.Process.Kill()
		holder.Wait()
		c.must("unmount", mnt)
	})
}

func TestLifecycleIdleLocks(t *testing.T) {
	inModes(t, func(t *testing.T, md lifeMode) {
		c, src, mnt, pw := newLifecycleMode(t, md)
		c.must(md.args("mount", "--idle", "300ms", "--passfile", pw, src, mnt)...)
		deadline := time.Now().Add(20 * time.Second)
		for isMounted(t, mnt) {
			if time.Now().After(deadline) {
				t.Fatal("--idle did not lock the vault")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestLifecycleIdleHeldByOpenFile: the idle lock waits while a file is
// open on the mount, and locks once it is closed.
func TestLifecycleIdleHeldByOpenFile(t *testing.T) {
	inModes(t, func(t *testing.T, md lifeMode) {
		c, src, mnt, pw := newLifecycleMode(t, md)
		c.must(md.args("mount", "--idle", "2s", "--passfile", pw, src, mnt)...)
		f, err := os.Open(md.heldFile(t, mnt))
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(t, "LOCKS IN held with a file open", func() bool { return statusField(c, mnt, "LOCKS IN") == "held" })
		if !isMounted(t, mnt) {
			t.Fatal("the idle lock unmounted under an open file")
		}
		f.Close()
		waitStatus(t, "the idle lock after the close", func() bool { return !isMounted(t, mnt) })
	})
}

func TestLifecycleWrongPassword(t *testing.T) {
	inModes(t, func(t *testing.T, md lifeMode) {
		c, src, mnt, _ := newLifecycleMode(t, md)
		bad := filepath.Join(t.TempDir(), "bad")
		os.WriteFile(bad, []byte("not it\n"), 0o600)
		_, errs, code := c.run(md.args("mount", "--passfile", bad, src, mnt)...)
		if code != exitWrongKey || !strings.Contains(errs, "cofferfs: error: wrong password") {
			t.Fatalf("exit %d, stderr:\n%s", code, errs)
		}
		if isMounted(t, mnt) {
			t.Fatal("a wrong password left something mounted")
		}
	})
}

func TestLifecycleKilledDaemon(t *testing.T) {
	inModes(t, func(t *testing.T, md lifeMode) {
		c, src, mnt, pw := newLifecycleMode(t, md)
		c.must(md.args("mount", "--passfile", pw, src, mnt)...)
		pid := strconv.Itoa(daemonPID(t, c, mnt))
		if err := exec.Command("kill", "-9", pid).Run(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := os.ReadDir(mnt)
			if err != nil {
				break // ENOTCONN: the daemon is gone
			}
			if time.Now().After(deadline) {
				t.Fatal("mount still answers after kill -9")
			}
			time.Sleep(20 * time.Millisecond)
		}
		c.must("unmount", mnt)
		if isMounted(t, mnt) {
			t.Fatal("unmount did not clean up after a killed daemon")
		}
		if _, err := os.ReadDir(mnt); err != nil {
			t.Fatalf("mountpoint unusable after cleanup: %v", err)
		}
	})
}

func TestLifecycleMountpointChecks(t *testing.T) {
	inModes(t, func(t *testing.T, md lifeMode) {
		c, src, mnt, pw := newLifecycleMode(t, md)
		os.WriteFile(filepath.Join(mnt, "file"), nil, 0o600)
		if _, errs, code := c.run(md.args("mount", "--passfile", pw, src, mnt)...); code != exitPlainDir || !strings.Contains(errs, "not empty") {
			t.Errorf("non-empty mountpoint: exit %d\n%s", code, errs)
		}
		missing := filepath.Join(t.TempDir(), "missing")
		if _, _, code := c.run(md.args("mount", "--passfile", pw, src, missing)...); code != exitPlainDir {
			t.Errorf("missing mountpoint: exit %d", code)
		}
		if _, _, code := c.run("unmount", t.TempDir()); code != exitPlainDir {
			t.Errorf("unmount of a plain directory: exit %d", code)
		}
	})
}

// statePath is the state record of the daemon serving mnt.
func statePath(mnt string) string {
	return filepath.Join(daemon.StateDir(), stateName(mnt)+".json")
}

// A kill -9'd daemon cannot remove its state record: status and unmount
// drop it, and a record whose pid now belongs to another process (same
// pid, other start time) is stale too.
func TestLifecycleKilledDaemonRecord(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	for _, cleaner := range []string{"status", "unmount"} {
		c.must("mount", "--passfile", pw, cipher, mnt)
		b, err := os.ReadFile(statePath(mnt))
		if err != nil {
			t.Fatalf("no state record after mount: %v", err)
		}
		var st daemon.State
		if err := json.Unmarshal(b, &st); err != nil || st.PID <= 0 {
			t.Fatalf("state record %q: %v", b, err)
		}
		syscall.Kill(st.PID, syscall.SIGKILL)
		deadline := time.Now().Add(10 * time.Second)
		for _, err := os.ReadDir(mnt); err == nil; _, err = os.ReadDir(mnt) {
			if time.Now().After(deadline) {
				t.Fatal("mount still answers after kill -9")
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The mount stops answering when the dying daemon's descriptors
		// close, a moment before the process is gone (or a zombie).
		if !waitExit(st.PID, 10*time.Second) {
			t.Fatal("the killed daemon did not exit")
		}
		if cleaner == "status" {
			if out := c.must("status"); !strings.Contains(out, "daemon gone") {
				t.Errorf("status after kill -9:\n%s", out)
			}
		} else {
			c.must("unmount", mnt)
		}
		if _, err := os.Stat(statePath(mnt)); !os.IsNotExist(err) {
			t.Errorf("%s left the record of the killed daemon: %v", cleaner, err)
		}
		exec.Command(c.bin, "unmount", mnt).Run()
	}

	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Wait()
	defer other.Process.Kill()
	ghost := filepath.Join(t.TempDir(), "ghost")
	rec, _ := json.Marshal(map[string]any{"cipherdir": cipher, "mountpoint": ghost,
		"pid": other.Process.Pid, "start_ticks": 1, "started": time.Now().UTC()})
	if err := os.WriteFile(statePath(ghost), rec, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(statePath(ghost)) })
	c.must("status")
	if _, err := os.Stat(statePath(ghost)); !os.IsNotExist(err) {
		t.Errorf("status kept a record whose pid is another process: %v", err)
	}
	// mount sweeps too, before it looks at its own mountpoint.
	if err := os.WriteFile(statePath(ghost), rec, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, code := c.run("mount", "--passfile", pw, cipher, ghost); code != exitPlainDir {
		t.Errorf("mount on a missing mountpoint: exit %d", code)
	}
	if _, err := os.Stat(statePath(ghost)); !os.IsNotExist(err) {
		t.Errorf("mount kept a record whose pid is another process: %v", err)
	}
}
