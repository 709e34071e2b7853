package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// meaningOf returns the table's text for code, or "" if it has none.
func meaningOf(code int) string {
	for _, c := range exitCodes {
		if c.code == code {
			return c.meaning
		}
	}
	return ""
}

// TestNotFoundCode: a vault path that does not exist ends cat, ls and
// export --path with the "not found" code of the table, in plain words.
func TestNotFoundCode(t *testing.T) {
	dir, pf, _ := makeVault(t, "pw")
	out := filepath.Join(t.TempDir(), "out")
	for _, args := range [][]string{
		{"cat", "--passfile", pf, dir, "nope"},
		{"ls", "--passfile", pf, dir, "nope"},
		{"export", "--passfile", pf, "--path", "nope", dir, out},
	} {
		r := expectCode(t, exitNotFound, "", args...)
		mustContain(t, args[0], r.stderr, "error: nope", "not in the vault")
		if strings.Contains(r.stderr, " fs: ") || strings.Contains(r.stderr, " transfer: ") {
			t.Errorf("%s: internal prefix in the message:\n%s", args[0], r.stderr)
		}
	}
	if !strings.Contains(meaningOf(exitNotFound), "export --path") {
		t.Errorf("the table does not say what %d means for export --path", exitNotFound)
	}
}

// TestRunJobNotFound: run exits 127 when the job cannot be found, before
// asking for a password or mounting, as shells and env do.
func TestRunJobNotFound(t *testing.T) {
	dir, _, _ := makeVault(t, "pw")
	r := expectCode(t, exitJobNotFound, "", "run", dir, "--", "cofferfs-no-such-command")
	mustContain(t, "stderr", r.stderr, "error: ", "cofferfs-no-such-command", "not found")
	missing := filepath.Join(t.TempDir(), "missing.sh")
	expectCode(t, exitJobNotFound, "", "run", dir, "--", missing)
	if exitJobNotFound != 127 || exitJobNotExec != 126 || meaningOf(127) == "" || meaningOf(126) == "" {
		t.Error("127 and 126 are not in the exit-code table")
	}
}

// TestRunJobNotExecutable: a job file that cannot be executed ends run
// with 126; one that is not executable at all is refused before the
// mount, one that fails only at exec (no #! line, not a binary) after
// it, and the vault is locked again either way.
func TestRunJobNotExecutable(t *testing.T) {
	c, cipher, _, pw := newLifecycle(t)
	plain := tempFile(t, "job.sh", "echo hi\n") // mode 0600
	garbage := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(garbage, []byte{0, 1, 2, 3, 4, 5, 6, 7}, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{plain, garbage, t.TempDir()} {
		_, errs, code := c.run("run", "--passfile", pw, cipher, "--", job)
		if code != exitJobNotExec {
			t.Errorf("run -- %s: exit %d, want %d\n%s", job, code, exitJobNotExec, errs)
		}
		mustContain(t, job, errs, "error: ", "cannot execute")
	}
}

// TestMountStoppedBySignal: mount -f stopped by SIGINT (Ctrl-C) or
// SIGTERM unmounts and exits with the code the table documents for it.
func TestMountStoppedBySignal(t *testing.T) {
	if !strings.Contains(meaningOf(exitOK), "stopped by SIGINT") {
		t.Fatalf("the table does not document how a mount stopped by a signal exits: %q", meaningOf(exitOK))
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		c, cipher, mnt, pw := newLifecycle(t)
		cmd := exec.Command(c.bin, "mount", "-f", "--passfile", pw, cipher, mnt)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for !isMounted(t, mnt) {
			if time.Now().After(deadline) {
				stopProcess(cmd)
				t.Fatal("foreground mount did not come up")
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		if err != nil {
			t.Errorf("mount -f stopped by %v: %v, want exit 0", sig, err)
		}
		if isMounted(t, mnt) {
			t.Errorf("still mounted after %v", sig)
		}
	}
}
