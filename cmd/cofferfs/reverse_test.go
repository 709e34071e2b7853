package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/internal/daemon"
	"golang.org/x/sys/unix"
)

// reversePlainTree makes a plain directory with short, long and Unicode
// names, a symlink, a subdirectory and a file to exclude.
func reversePlainTree(t *testing.T) string {
	t.Helper()
	plain := filepath.Join(t.TempDir(), "plain")
	files := map[string]string{
		"hello.txt": "hello\n", "sub/dir/nested.bin": strings.Repeat("0123456789", 1000),
		strings.Repeat("n", 200): "long name\n", "Grüße.txt": "ü\n", "cache.tmp": "skip me\n", "empty": "",
	}
	for p, data := range files {
		full := filepath.Join(plain, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("hello.txt", filepath.Join(plain, "link")); err != nil {
		t.Fatal(err)
	}
	return plain
}

// diffTrees fails unless two directories have the same names, contents
// and symlink targets.
func diffTrees(t *testing.T, what, a, b string, exclude ...string) {
	t.Helper()
	args := []string{"-r", "--no-dereference"}
	for _, x := range exclude {
		args = append(args, "-x", x)
	}
	if out, err := exec.Command("diff", append(args, a, b)...).CombinedOutput(); err != nil {
		t.Fatalf("%s: diff -r: %v\n%s", what, err, out)
	}
}

// TestReverseCLI: init --reverse writes gocryptfs's reverse config;
// mount --reverse shows the same view as gocryptfs -reverse with the
// same exclusion; the view is read-only; a copy of it restores with
// cofferfs export and with forward gocryptfs.
func TestReverseCLI(t *testing.T) {
	needMount(t)
	if _, err := exec.LookPath("gocryptfs"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gocryptfs not installed")
		}
		t.Skip("gocryptfs not installed")
	}
	c := cli{t: t, bin: buildBinary(t)}
	plain := reversePlainTree(t)
	pw := tempFile(t, "pw", "reverse password\n")
	key := c.must("init", "--reverse", "--scryptn", "10", "--passfile", pw, plain)
	if !recoveryKey.MatchString(key) {
		t.Fatalf("init --reverse printed %q, want the recovery key", key)
	}
	conf, err := os.ReadFile(filepath.Join(plain, crypto.ReverseConfigName))
	if err != nil {
		t.Fatal(err)
	}
	flags := `"HKDF",` + "\n\t\t" + `"GCMIV128",`
	if !strings.Contains(string(conf), `"AESSIV"`) || !strings.Contains(string(conf), flags) {
		t.Errorf("reverse config lacks gocryptfs's flags:\n%s", conf)
	}
	if _, _, code := c.run("init", "--reverse", "--scryptn", "10", "--passfile", pw, plain); code == 0 {
		t.Error("a second init --reverse succeeded")
	}

	mnt, ref := filepath.Join(t.TempDir(), "view"), filepath.Join(t.TempDir(), "ref")
	os.Mkdir(mnt, 0o755)
	os.Mkdir(ref, 0o755)
	c.must("mount", "--reverse", "--passfile", pw, "--exclude", "*.tmp", plain, mnt)
	t.Cleanup(func() { exec.Command(c.bin, "unmount", "--lazy", mnt).Run() })
	gocryptfsDaemon(t, "-reverse", "-passfile", pw, "-exclude-wildcard", "*.tmp", plain, ref)
	t.Cleanup(func() { exec.Command("fusermount3", "-u", ref).Run() })
	diffTrees(t, "cofferfs and gocryptfs views", mnt, ref)

	if err := os.WriteFile(filepath.Join(mnt, "new"), nil, 0o644); !errors.Is(err, unix.EROFS) {
		t.Errorf("create in the view: %v, want EROFS", err)
	}

	copyDir := filepath.Join(t.TempDir(), "uploaded")
	for pass := 1; pass <= 2; pass++ { // the README's rsync recipe: the second pass copies nothing
		out, err := exec.Command("rsync", "-a", "--delete", "--itemize-changes", mnt+"/", copyDir+"/").CombinedOutput()
		if err != nil {
			t.Fatalf("rsync pass %d: %v\n%s", pass, err, out)
		}
		if pass == 2 && len(out) > 0 {
			t.Errorf("second rsync pass changed:\n%s", out)
		}
	}
	restored := filepath.Join(t.TempDir(), "restored")
	c.must("export", "--passfile", pw, copyDir, restored)
	diffTrees(t, "cofferfs export of the copy", plain, restored, crypto.ReverseConfigName, "cache.tmp")

	fwd := filepath.Join(t.TempDir(), "fwd")
	os.Mkdir(fwd, 0o755)
	gocryptfsDaemon(t, "-passfile", pw, copyDir, fwd)
	defer exec.Command("fusermount3", "-u", fwd).Run()
	diffTrees(t, "gocryptfs forward mount of the copy", plain, fwd, crypto.ReverseConfigName, "cache.tmp")
	c.must("unmount", mnt)
}

// gocryptfsDaemon runs gocryptfs with its output in a file: the daemon
// keeps the descriptors open, so a pipe would never reach EOF.
func gocryptfsDaemon(t *testing.T, args ...string) {
	t.Helper()
	logf, err := os.Create(filepath.Join(t.TempDir(), "gocryptfs.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command("gocryptfs", append([]string{"-q", "-nosyslog"}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(logf.Name())
		t.Fatalf("gocryptfs %v: %v\n%s", args, err, out)
	}
}

// TestReverseMountFlags: mount --reverse takes the forward mount flags
// that apply to the view (--noexec, --noatime, --transport, --ro) and
// refuses with a usage error those that do not (--verify, --accept,
// --cache-timeout), as run --reverse does; a mountpoint inside PLAINDIR
// is refused; status shows the mode as reverse.
func TestReverseMountFlags(t *testing.T) {
	c, plain, mnt, pw := newLifecycleMode(t, lifeModes[1])
	for _, bad := range [][]string{{"--verify"}, {"--accept"}, {"--cache-timeout", "30s"}} {
		for _, cmd := range []string{"mount", "run"} {
			args := append(append([]string{cmd, "--reverse", "--passfile", pw}, bad...), plain)
			if cmd == "mount" {
				args = append(args, mnt)
			} else {
				if bad[0] == "--cache-timeout" {
					continue // run has no --cache-timeout at all
				}
				args = append(args, "--", "true")
			}
			_, errs, code := c.run(args...)
			if code != exitUsage || !strings.Contains(errs, "not with --reverse: "+bad[0]) {
				t.Errorf("%s --reverse %s: exit %d, stderr %q", cmd, bad[0], code, errs)
			}
		}
	}
	if _, errs, code := c.run("mount", "--exclude", "*.tmp", "--passfile", pw, plain, mnt); code != exitUsage || !strings.Contains(errs, "need --reverse") {
		t.Errorf("--exclude without --reverse: exit %d, stderr %q", code, errs)
	}
	inside := filepath.Join(plain, "view")
	os.Mkdir(inside, 0o755)
	for _, args := range [][]string{{"mount", "--reverse", "--passfile", pw, plain, inside},
		{"run", "--reverse", "--passfile", pw, "--mountpoint", inside, plain, "--", "true"}} {
		if _, errs, code := c.run(args...); code != exitPlainDir || !strings.Contains(errs, "the view would show itself") {
			t.Errorf("%s --reverse with the mountpoint inside PLAINDIR: exit %d, stderr %q", args[0], code, errs)
		}
	}
	os.Remove(inside)
	if isMounted(t, inside) || isMounted(t, mnt) {
		t.Fatal("a refused mount left something mounted")
	}

	c.must("mount", "--reverse", "--ro", "--noexec", "--noatime", "--transport", "dev", "--passfile", pw, plain, mnt)
	if opts := mountinfoOptions(t, mnt); !hasAll(opts, "ro", "noexec", "noatime", "nosuid", "nodev") {
		t.Errorf("mount options %q lack ro, noexec, noatime, nosuid or nodev", opts)
	}
	if got := statusField(c, mnt, "MODE"); got != "reverse" {
		t.Errorf("status MODE %q, want reverse", got)
	}
	if got := statusField(c, mnt, "TRANSPORT"); got != "dev" {
		t.Errorf("status TRANSPORT %q, want dev", got)
	}
	if m := statusJSON(t, c, mnt); !m.Reverse || !m.ReadOnly || m.Cipherdir != plain || m.PID == 0 {
		t.Errorf("status --json: %+v", m)
	}
	c.must("unmount", mnt)

	out := c.must("run", "--reverse", "--transport", "dev", "--passfile", pw, "--mountpoint", mnt, plain, "--",
		c.bin, "status", "--json")
	var got []mountStatus
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) == 0 {
		t.Fatalf("status --json from the job: %v\n%s", err, out)
	}
	found := false
	for _, m := range got {
		found = found || (m.Mountpoint == mnt && m.Reverse && m.Log == daemon.LogStderr && m.Transport == "dev")
	}
	if !found {
		t.Errorf("status from inside run --reverse does not show the reverse view on %s: %+v", mnt, got)
	}
}
