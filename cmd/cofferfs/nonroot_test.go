package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// The non-root tests run the built binary as a real unprivileged user,
// created for the test (useradd) and removed afterwards. Each case runs
// in a private mount namespace (unshare -m), where the test gives the
// user a /dev/fuse, an /etc/fuse.conf or a fusermount3 of its own by
// bind mounts: what other sessions see of these files never changes,
// and a mount made there is visible only there.

// testUser is the unprivileged user of the non-root tests.
type testUser struct {
	name     string
	uid, gid int
	home     string // a directory of the user's own, holding the binary and the vault
}

// newTestUser creates a system user with a random name and a directory
// of its own holding a copy of the binary, and removes both at the end.
func newTestUser(t *testing.T) *testUser {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the non-root tests need root to create the user (CI=true)")
		}
		t.Skip("the non-root tests need root to create the user")
	}
	needMount(t)
	for _, tool := range []string{"useradd", "userdel", "setpriv", "unshare", "nsenter", "mknod"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: %v", tool, err)
		}
	}
	bin := buildBinary(t)
	b := make([]byte, 4)
	rand.Read(b)
	name := "cofferfs-t" + hex.EncodeToString(b)
	if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v\n%s", err, out)
	}
	u := &testUser{name: name}
	t.Cleanup(func() {
		u.killAll(t)
		// --force: an exited daemon of the user that its parent has not
		// reaped yet would make userdel refuse.
		if out, err := exec.Command("userdel", "--force", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v\n%s", name, err, out)
		}
	})
	pw, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	u.uid, _ = strconv.Atoi(pw.Uid)
	u.gid, _ = strconv.Atoi(pw.Gid)
	home, err := os.MkdirTemp("", "cofferfs-nonroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	u.home = home
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, "cofferfs"), data, 0o755)
	os.WriteFile(filepath.Join(home, "pw"), []byte("a long enough test password\n"), 0o600)
	os.Mkdir(filepath.Join(home, "mnt"), 0o755)
	for _, p := range []string{home, filepath.Join(home, "cofferfs"), filepath.Join(home, "pw"), filepath.Join(home, "mnt")} {
		if err := os.Chown(p, u.uid, u.gid); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(home, 0o755)
	return u
}

// killAll ends the processes of the test user (daemons a failed case
// left; exited ones waiting to be reaped do not count): every one of
// them is a process this test started.
func (u *testUser) killAll(t *testing.T) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat("/proc/"+e.Name(), &st) == nil && int(st.Uid) == u.uid && daemon.Alive(pid) {
			t.Logf("ending leftover process %d of %s", pid, u.name)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// mountNS is a private mount namespace, held by a sleeping process.
type mountNS struct {
	t      *testing.T
	holder *exec.Cmd
	u      *testUser
}

// newMountNS makes a private mount namespace for u with a /dev/fuse of
// the given mode (a new device node on a private tmpfs, bound over
// /dev/fuse) and an /etc/fuse.conf with or without user_allow_other.
func newMountNS(t *testing.T, u *testUser, devMode os.FileMode, allowOther bool) *mountNS {
	t.Helper()
	ns := &mountNS{t: t, u: u, holder: exec.Command("unshare", "-m", "--propagation", "private", "sleep", "600")}
	if err := ns.holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ns.root("umount", "-l", filepath.Join(u.home, "mnt")) // after a failed case; an error when not mounted
		u.killAll(t)
		ns.holder.Process.Kill()
		ns.holder.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		self, _ := os.Readlink("/proc/self/ns/mnt")
		if other, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", ns.holder.Process.Pid)); other != "" && other != self {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("unshare did not make a mount namespace")
		}
	}
	private := t.TempDir()
	conf := "# no user_allow_other\n"
	if allowOther {
		conf = "user_allow_other\n"
	}
	os.WriteFile(filepath.Join(private, "fuse.conf"), []byte(conf), 0o644)
	dev := filepath.Join(private, "dev")
	os.Mkdir(dev, 0o755)
	ns.mustRoot("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", dev)
	ns.mustRoot("mknod", "-m", fmt.Sprintf("%o", devMode), filepath.Join(dev, "fuse"), "c", "10", "229")
	ns.mustRoot("mount", "--bind", filepath.Join(dev, "fuse"), "/dev/fuse")
	ns.mustRoot("mount", "--bind", filepath.Join(private, "fuse.conf"), "/etc/fuse.conf")
	return ns
}

// run runs args in the namespace (as root, or as the test user with a
// minimal environment and the given PATH) and returns its output and
// exit code.
func (ns *mountNS) run(asUser bool, path string, args ...string) (string, string, int) {
	ns.t.Helper()
	// (nsenter --wd would open the directory outside the namespace: an
	// unreachable working directory in it.)
	cmd := []string{"-t", strconv.Itoa(ns.holder.Process.Pid), "-m", "--root", "--"}
	if asUser {
		cmd = append(cmd, "setpriv", "--reuid="+strconv.Itoa(ns.u.uid), "--regid="+strconv.Itoa(ns.u.gid), "--clear-groups",
			"env", "-i", "PATH="+path, "HOME="+ns.u.home, "LANG=C")
	}
	cmd = append(cmd, "/bin/sh", "-c", `cd "$0" && exec "$@"`, ns.u.home)
	c := exec.Command("nsenter", append(cmd, args...)...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		ns.t.Fatal(err)
	}
	return out.String(), errb.String(), c.ProcessState.ExitCode()
}

func (ns *mountNS) root(args ...string) (string, string, int) { return ns.run(false, "", args...) }

func (ns *mountNS) mustRoot(args ...string) {
	ns.t.Helper()
	if _, errs, code := ns.root(args...); code != 0 {
		ns.t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
}

// userPath is the PATH the user's commands get.
const userPath = "/usr/local/bin:/usr/bin:/bin"

// cofferfs runs the binary as the test user.
func (ns *mountNS) cofferfs(args ...string) (string, string, int) {
	ns.t.Helper()
	return ns.run(true, userPath, append([]string{"./cofferfs"}, args...)...)
}

// mounted reports whether the namespace lists a mount on the user's mountpoint.
func (ns *mountNS) mounted() bool {
	out, _, _ := ns.root("cat", "/proc/self/mountinfo")
	return strings.Contains(out, " "+filepath.Join(ns.u.home, "mnt")+" ")
}

// initVault makes the user's vault (once per user).
func (u *testUser) initVault(t *testing.T, ns *mountNS) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(u.home, "cipher")); err == nil {
		return
	}
	if _, errs, code := ns.cofferfs("init", "-q", "--scryptn", "10", "--passfile", "pw", "--recovery-key-file", "key", "cipher"); code != 0 {
		t.Fatalf("init as %s: exit %d\n%s", u.name, code, errs)
	}
}

// TestNonRootMount: as a real unprivileged user, a plain mount works
// through fusermount3 (also with a PATH that lacks it, as from cron),
// the user reads and writes, status lists it and unmount locks it; and
// --allow-other works once fuse.conf allows it.
func TestNonRootMount(t *testing.T) {
	u := newTestUser(t)
	for _, allowOther := range []bool{false, true} {
		ns := newMountNS(t, u, 0o666, allowOther)
		u.initVault(t, ns)
		args := []string{"mount", "--passfile", "pw", "cipher", "mnt"}
		if allowOther {
			args = append([]string{"mount", "--allow-other"}, args[1:]...)
		}
		if _, errs, code := ns.cofferfs(args...); code != 0 || !ns.mounted() {
			t.Fatalf("%v as %s: exit %d, mounted %v\n%s", args, u.name, code, ns.mounted(), errs)
		}
		if _, errs, code := ns.run(true, userPath, "sh", "-c", "echo backup > mnt/f && cat mnt/f"); code != 0 {
			t.Fatalf("using the mount: exit %d\n%s", code, errs)
		}
		out, _, _ := ns.cofferfs("status")
		if pid := statusLineOf(out, filepath.Join(u.home, "mnt")); pid == "" || strings.HasPrefix(pid, "-") {
			t.Errorf("status as %s:\n%s", u.name, out)
		}
		if strings.Contains(out, "(daemon gone)") { // the mounts of root's sessions are not ours to judge
			t.Errorf("status as %s calls another user's mount dead:\n%s", u.name, out)
		}
		_, errs, code := ns.run(true, "/nonexistent", "./cofferfs", "unmount", "mnt") // fusermount3 not in PATH
		if code != 0 || ns.mounted() || !strings.Contains(errs, "unmounted") {
			t.Fatalf("unmount as %s with a PATH without fusermount3: exit %d, mounted %v\n%s", u.name, code, ns.mounted(), errs)
		}
	}
	ns := newMountNS(t, u, 0o666, false)
	if _, errs, code := ns.run(true, "/nonexistent", "./cofferfs", "mount", "-q", "--passfile", "pw", "cipher", "mnt"); code != 0 || !ns.mounted() {
		t.Fatalf("mount as %s with a PATH without fusermount3: exit %d\n%s", u.name, code, errs)
	}
	if _, errs, code := ns.cofferfs("unmount", "mnt"); code != 0 {
		t.Fatalf("unmount: exit %d\n%s", code, errs)
	}
	if out, _, _ := ns.cofferfs("cat", "--passfile", "pw", "cipher", "f"); out != "backup\n" {
		t.Errorf("the file written through the mount reads %q", out)
	}
}

// statusLineOf returns the PID column of mnt's line (the sixth field).
func statusLineOf(out, mnt string) string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[0] == mnt {
			return f[5]
		}
	}
	return ""
}

// TestNonRootMountFailures: as a real unprivileged user, each usual
// reason a mount fails is named, nothing stays mounted, and the exit
// code is 11: --allow-other without user_allow_other; fusermount3
// missing, not set-user-ID (on a nosuid mount); /dev/fuse not readable
// and writable by the user, or on a nodev mount (a container's /dev).
func TestNonRootMountFailures(t *testing.T) {
	u := newTestUser(t)
	cases := []struct {
		name    string
		devMode os.FileMode
		setup   func(ns *mountNS)
		args    []string
		want    []string
	}{
		{"--allow-other without user_allow_other", 0o666, nil, []string{"--allow-other"},
			[]string{"--allow-other needs the line user_allow_other in /etc/fuse.conf"}},
		{"fusermount3 missing", 0o666, hideFusermount, nil,
			[]string{"fusermount3 is not installed", "install the package fuse3"}},
		{"fusermount3 on a nosuid mount", 0o666, func(ns *mountNS) {
			bin := fusermountFile(ns.t)
			ns.mustRoot("mount", "--bind", bin, bin)
			ns.mustRoot("mount", "-o", "remount,bind,nosuid", bin)
		}, nil, []string{"nosuid", "cannot mount for you"}},
		{"/dev/fuse of mode 0600", 0o600, nil, nil,
			[]string{"/dev/fuse is not accessible to you", "chmod 0666 /dev/fuse"}},
		{"/dev/fuse on a nodev mount", 0o666, func(ns *mountNS) {
			ns.mustRoot("mount", "-o", "remount,bind,nodev", "/dev/fuse")
		}, nil, []string{"/dev/fuse lies on a file system mounted nodev"}},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, "/", "_"), func(t *testing.T) {
			ns := newMountNS(t, u, c.devMode, false)
			u.initVault(t, ns)
			if c.setup != nil {
				c.setup(ns)
			}
			for _, fg := range []bool{false, true} {
				args := append([]string{"mount"}, c.args...)
				if fg {
					args = append(args, "-f")
				}
				_, errs, code := ns.cofferfs(append(args, "--passfile", "pw", "cipher", "mnt")...)
				if code != exitOther || ns.mounted() {
					t.Errorf("%v: exit %d, mounted %v\n%s", args, code, ns.mounted(), errs)
				}
				mustContain(t, strings.Join(args, " "), errs, append([]string{"cofferfs: error: cannot mount on"}, c.want...)...)
			}
		})
	}
}

// fusermountFile returns the file fusermount3 is (symlinks resolved).
func fusermountFile(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("fusermount3")
	if err == nil {
		p, err = filepath.EvalSymlinks(p)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// hideFusermount binds /dev/null (not executable) over every fusermount
// program a look-up could find.
func hideFusermount(ns *mountNS) {
	seen := map[string]bool{}
	for _, dir := range []string{"/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"} {
		for _, name := range []string{"fusermount3", "fusermount"} {
			p, err := filepath.EvalSymlinks(filepath.Join(dir, name))
			if err != nil || seen[p] {
				continue
			}
			seen[p] = true
			ns.mustRoot("mount", "--bind", "/dev/null", p)
		}
	}
}
