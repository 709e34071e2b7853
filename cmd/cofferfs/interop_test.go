package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/fs/transfer/transfertest"
)

// The interop tests check cofferfs against the real gocryptfs (2.3, the
// Debian package): each reads what the other wrote.

// interopVariants are the vault kinds checked, with the init flags of
// both programs.
var interopVariants = []struct {
	name              string
	coffer, gocryptfs []string
}{
	{"aesgcm", nil, nil},
	{"xchacha", []string{"--xchacha"}, []string{"-xchacha"}},
	{"longnamemax64", []string{"--longnamemax", "64"}, []string{"-longnamemax", "64"}},
}

// needGocryptfs skips without gocryptfs, fusermount3, /dev/fuse or root,
// except under CI=true, where it fails.
func needGocryptfs(t *testing.T) {
	t.Helper()
	missing := ""
	for _, bin := range []string{"gocryptfs", "fusermount3"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = bin
		}
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		missing = "/dev/fuse"
	}
	if os.Geteuid() != 0 {
		missing = "root"
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("interop tests need %s (CI=true)", missing)
	}
	t.Skipf("interop tests need %s", missing)
}

// gocryptfs runs the real gocryptfs and fails the test unless it exits 0.
// Its output goes to a file, not a pipe: a mount leaves a daemon behind
// that would hold a pipe open.
func gocryptfs(t *testing.T, args ...string) {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "gocryptfs-out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command("gocryptfs", args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(out.Name())
		t.Fatalf("gocryptfs %v: %v\n%s", args, err, b)
	}
}

// gocryptfsMount mounts cipherdir with gocryptfs and returns the
// mountpoint; it is unmounted at the end of the test.
func gocryptfsMount(t *testing.T, cipherdir, passfile string) string {
	t.Helper()
	mnt := t.TempDir()
	gocryptfs(t, "-q", "-nosyslog", "-passfile", passfile, cipherdir, mnt)
	t.Cleanup(func() { unmountFuse(t, mnt) })
	return mnt
}

// unmountFuse unmounts a FUSE mount, retrying while it is busy.
func unmountFuse(t *testing.T, mnt string) {
	t.Helper()
	var out []byte
	var err error
	for range 50 {
		if out, err = exec.Command("fusermount3", "-u", mnt).CombinedOutput(); err == nil || !isMounted(t, mnt) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("fusermount3 -u %s: %v\n%s", mnt, err, out)
}

// TestInteropGocryptfsReadsCofferfs: a tree imported by cofferfs into a
// vault made by cofferfs passes gocryptfs -fsck and reads back through a
// gocryptfs mount.
func TestInteropGocryptfsReadsCofferfs(t *testing.T) {
	needGocryptfs(t)
	for _, v := range interopVariants {
		t.Run(v.name, func(t *testing.T) {
			dir, pf, _ := makeVault(t, "interop password", v.coffer...)
			src := t.TempDir()
			transfertest.MakeTree(t, src)
			expectCode(t, exitOK, "", "import", "--passfile", pf, src, dir)
			gocryptfs(t, "-fsck", "-q", "-passfile", pf, dir)
			mnt := gocryptfsMount(t, dir, pf)
			transfertest.Compare(t, src, mnt)
		})
	}
}

// TestInteropCofferfsReadsGocryptfs: a tree written through a gocryptfs
// mount into a vault made by gocryptfs exports to the same tree.
func TestInteropCofferfsReadsGocryptfs(t *testing.T) {
	needGocryptfs(t)
	for _, v := range interopVariants {
		t.Run(v.name, func(t *testing.T) {
			want := t.TempDir()
			transfertest.MakeTree(t, want)
			dir := filepath.Join(t.TempDir(), "vault")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			// The plaintext root is the cipherdir itself: same mode.
			for _, d := range []string{want, dir} {
				if err := os.Chmod(d, 0o750); err != nil {
					t.Fatal(err)
				}
			}
			pf := tempFile(t, "pw", "interop password\n")
			gocryptfs(t, append(append([]string{"-init", "-q", "-scryptn", "10", "-passfile", pf}, v.gocryptfs...), dir)...)
			mnt := gocryptfsMount(t, dir, pf)
			transfertest.MakeTree(t, mnt)
			unmountFuse(t, mnt)
			dest := filepath.Join(t.TempDir(), "out")
			expectCode(t, exitOK, "", "export", "--passfile", pf, dir, dest)
			transfertest.Compare(t, want, dest)
			if !transfertest.IsSparse(t, filepath.Join(dest, transfertest.SparseName)) {
				t.Error("exported sparse file is not sparse")
			}
			mustContain(t, "info", expectCode(t, exitOK, "", "info", dir).stdout, "Creator:         gocryptfs")
		})
	}
}
