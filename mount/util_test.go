package mount_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"golang.org/x/sys/unix"
)

// tmpfsDir mounts a new tmpfs of the given size ("4m") on a temporary
// directory and unmounts it when the test ends. It needs root (see
// canMount).
func tmpfsDir(t *testing.T, size string) string {
	t.Helper()
	canMount(t)
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0755"); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			t.Errorf("unmount tmpfs %s: %v; open in it: %q", dir, err, fdsUnder(dir))
			unix.Unmount(dir, unix.MNT_DETACH)
		}
	})
	return dir
}

// newVaultAt makes an empty cipherdir with a root diriv in dir (which
// must exist) and opens it with opts (Raw64 and DirIV are set).
func newVaultAt(t *testing.T, dir string, alg crypto.Algorithm, opts fs.Options) *fs.FS {
	t.Helper()
	opts.Algorithm, opts.Raw64, opts.DirIV = alg, true, true
	return fstest.NewVaultIn(t, dir, crypto.NewMasterKey(), opts)
}

// needTools fails the test under CI=true when a command is missing and
// skips it otherwise.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			fstest.SkipOrFail(t, "%s not installed: %v", n, err)
		}
	}
}

// run executes a command in dir and fails the test when it fails. env
// entries are added to the environment. It returns the combined output.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := runErr(dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out, 4000))
	}
	return out
}

// runErr runs a command like run and returns its combined output and
// error. The output goes through a temporary file, not a pipe, so a
// command that leaves a daemon behind (gocryptfs) does not keep it open.
func runErr(dir string, env []string, name string, args ...string) (string, error) {
	out, err := os.CreateTemp("", "cmd-output-")
	if err != nil {
		return "", err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if dir != "" {
		// Never let the forked child chdir: Go forks with vfork, so the
		// parent thread stays blocked in clone until the child execs, and
		// it holds its P. A chdir into this process's own FUSE mount then
		// waits for the daemon, whose goroutines may wait for a GC that
		// waits for that P: a deadlock (seen as a 10-minute hang in
		// TestToolTar). The shell changes directory after the exec.
		args = append([]string{"-c", `cd -- "$0" && exec "$@"`, dir, name}, args...)
		name = "/bin/sh"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	b, rerr := os.ReadFile(out.Name())
	if err == nil {
		err = rerr
	}
	return string(b), err
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// fdsUnder lists this process's descriptors that point below dir.
func fdsUnder(dir string) []string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var out []string
	for _, e := range ents {
		if t, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(t, dir) {
			out = append(out, e.Name()+" -> "+t)
		}
	}
	return out
}
