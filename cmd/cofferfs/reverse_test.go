package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
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
