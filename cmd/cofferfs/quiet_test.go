package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestQuietCommands: -q drops the notes of init, passwd and check-paths
// (init still prints the recovery key, its result), and status's note
// that nothing is mounted; warnings stay.
func TestQuietCommands(t *testing.T) {
	pf := tempFile(t, "pw", "a good long password for the test\n")
	dir := filepath.Join(t.TempDir(), "vault")
	r := expectCode(t, exitOK, "", "init", "-q", "--scryptn", "10", "--passfile", pf, dir)
	if !recoveryKey.MatchString(r.stdout) || r.stderr != "" {
		t.Errorf("init -q: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	weak := tempFile(t, "weak", "abc\n")
	r = expectCode(t, exitOK, "", "init", "-q", "--scryptn", "10", "--passfile", weak, filepath.Join(t.TempDir(), "v"))
	if !recoveryKey.MatchString(r.stdout) || !strings.HasPrefix(r.stderr, "cofferfs: warning: weak password") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("init -q with a weak password: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	newPf := tempFile(t, "new", "another good long password here\n")
	for _, args := range [][]string{
		{"passwd", "--passfile", pf, "--new-passfile", newPf, "--scryptn", "10", dir},
		{"check-paths", "--passfile", newPf, dir},
	} {
		loud := expectCode(t, exitOK, "", args...)
		if loud.stderr == "" {
			t.Errorf("%s without -q printed nothing", args[0])
		}
		os.Remove(dir + "/gocryptfs.conf.bak")
		if args[0] == "passwd" { // back to the first password for the quiet run
			expectCode(t, exitOK, "", "passwd", "-q", "--passfile", newPf, "--new-passfile", pf, "--scryptn", "10", dir)
			args[2], args[4] = pf, newPf
		}
		quiet := expectCode(t, exitOK, "", append([]string{args[0], "-q"}, args[1:]...)...)
		if quiet.stderr != "" || quiet.stdout != "" {
			t.Errorf("%s -q printed %q %q", args[0], quiet.stdout, quiet.stderr)
		}
	}
	if r := expectCode(t, exitOK, "", "status", "-q"); r.stderr != "" {
		t.Errorf("status -q printed %q", r.stderr)
	}
}

// TestRunQuiet: run -q prints the job's output and nothing of its own;
// mount -f -q logs no informational lines.
func TestRunQuiet(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	out, errs, code := c.run("run", "--passfile", pw, cipher, "--", "sh", "-c", "echo job; echo job-err >&2")
	if code != 0 || out != "job\n" || errs == "job-err\n" {
		t.Fatalf("run: exit %d, stdout %q, stderr %q (want notes of cofferfs besides the job's)", code, out, errs)
	}
	out, errs, code = c.run("run", "-q", "--passfile", pw, cipher, "--", "sh", "-c", "echo job; echo job-err >&2")
	if code != 0 || out != "job\n" || errs != "job-err\n" {
		t.Errorf("run -q: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	fg := exec.Command(c.bin, "mount", "-f", "-q", "--passfile", pw, cipher, mnt)
	var fgErr bytes.Buffer
	fg.Stderr = &fgErr
	if err := fg.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); !isMounted(t, mnt); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			fg.Process.Kill()
			t.Fatalf("mount -f -q did not mount:\n%s", fgErr.String())
		}
	}
	c.must("unmount", "-q", mnt)
	if err := fg.Wait(); err != nil {
		t.Fatalf("mount -f -q: %v\n%s", err, fgErr.String())
	}
	if fgErr.Len() != 0 {
		t.Errorf("mount -f -q logged:\n%s", fgErr.String())
	}
}
