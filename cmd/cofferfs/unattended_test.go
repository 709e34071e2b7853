package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
)

// Tests of the unattended-backup recipes: cofferfs run, the mount(8)
// helper, an fstab line and the shipped systemd units.

func TestRunJobSucceeds(t *testing.T) {
	c, cipher, _, pw := newLifecycle(t)
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "doc.txt"), []byte("to back up"), 0o644)
	out := c.must("run", "--passfile", pw, cipher, "--", "sh", "-c",
		`cp -r "$0"/. "$COFFERFS_MOUNTPOINT"/ && echo "job saw $COFFERFS_MOUNTPOINT"`, src)
	if !strings.Contains(out, "job saw /") {
		t.Fatalf("job output: %q", out)
	}
	mnt := strings.TrimSpace(strings.TrimPrefix(out, "job saw "))
	if isMounted(t, mnt) {
		t.Fatal("vault still mounted after the job")
	}
	if _, err := os.Stat(mnt); !os.IsNotExist(err) {
		t.Errorf("private mountpoint %s left behind: %v", mnt, err)
	}
	if got := c.must("cat", "--passfile", pw, cipher, "doc.txt"); got != "to back up" {
		t.Fatalf("backed-up file reads %q", got)
	}
}

// TestRunReverseJobSucceeds: run --reverse shows the job the view of
// the plain directory (with --exclude); a copy of it restores the plain
// tree, and the view is unmounted and its private mountpoint removed.
func TestRunReverseJobSucceeds(t *testing.T) {
	c, plain, _, pw := newLifecycleMode(t, lifeModes[1])
	copyDir := filepath.Join(t.TempDir(), "copy")
	out := c.must("run", "--reverse", "--exclude", "*.tmp", "--passfile", pw, plain, "--", "sh", "-c",
		`cp -a "$COFFERFS_MOUNTPOINT" "$0" && echo "job saw $COFFERFS_MOUNTPOINT"`, copyDir)
	if !strings.Contains(out, "job saw /") {
		t.Fatalf("job output: %q", out)
	}
	mnt := strings.TrimSpace(strings.TrimPrefix(out, "job saw "))
	if isMounted(t, mnt) {
		t.Fatal("view still mounted after the job")
	}
	if _, err := os.Stat(mnt); !os.IsNotExist(err) {
		t.Errorf("private mountpoint %s left behind: %v", mnt, err)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	c.must("export", "--passfile", pw, copyDir, restored)
	diffTrees(t, "export of the copy made by run --reverse", plain, restored, crypto.ReverseConfigName, "cache.tmp")
	if _, err := os.Lstat(filepath.Join(restored, "cache.tmp")); !os.IsNotExist(err) {
		t.Errorf("the excluded cache.tmp was in the view: %v", err)
	}
}

func TestRunJobFailsPassesExitCode(t *testing.T) {
	inModes(t, func(t *testing.T, md lifeMode) {
		c, src, mnt, pw := newLifecycleMode(t, md)
		_, _, code := c.run(md.args("run", "--passfile", pw, "--mountpoint", mnt, src, "--", "sh", "-c", "exit 7")...)
		if code != 7 {
			t.Fatalf("exit code %d, want the job's 7", code)
		}
		if isMounted(t, mnt) {
			t.Fatal("vault still mounted after a failed job")
		}
		if _, _, code := c.run(md.args("run", "--passfile", pw, src, "--", "/nonexistent/job")...); code != exitJobNotFound {
			t.Fatalf("missing job: exit %d, want %d", code, exitJobNotFound)
		}
		if _, _, code := c.run(md.args("run", "--passfile", pw, src)...); code != exitUsage {
			t.Fatalf("no -- CMD: exit %d, want %d", code, exitUsage)
		}
	})
}

func TestRunKilledLocksVault(t *testing.T) {
	inModes(t, func(t *testing.T, md lifeMode) {
		c, src, mnt, pw := newLifecycleMode(t, md)
		flag := filepath.Join(mnt, "flag")
		if md.reverse { // the view is read-only: the job says it started outside
			flag = filepath.Join(t.TempDir(), "flag")
		}
		cmd := exec.Command(c.bin, md.args("run", "--passfile", pw, "--mountpoint", mnt, src, "--",
			"sh", "-c", `ls "$COFFERFS_MOUNTPOINT" >/dev/null && echo started > "$0"; exec sleep 60`, flag)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			// The whole line, not just the file: a SIGTERM between the
			// create and the write of echo would leave it empty.
			if b, err := os.ReadFile(flag); err == nil && string(b) == "started\n" {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("job did not start")
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		err := cmd.Wait()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 128+int(syscall.SIGTERM) {
			t.Fatalf("killed run: %v, want exit %d", err, 128+int(syscall.SIGTERM))
		}
		if isMounted(t, mnt) {
			t.Fatal("vault still mounted after the run was killed")
		}
		if md.reverse {
			return
		}
		if got := c.must("cat", "--passfile", pw, src, "flag"); got != "started\n" {
			t.Fatalf("flag reads %q", got)
		}
	})
}

// buildHelper builds mount.cofferfs next to the cofferfs test binary.
func buildHelper(t *testing.T, bin string) string {
	t.Helper()
	helper := filepath.Join(filepath.Dir(bin), "mount.cofferfs")
	out, err := exec.Command("go", "build", "-o", helper, "../mount.cofferfs").CombinedOutput()
	if err != nil {
		t.Fatalf("go build mount.cofferfs: %v\n%s", err, out)
	}
	return helper
}

// installHelper links /sbin/mount.fuse.cofferfs to helper for the test.
func installHelper(t *testing.T, helper string) {
	t.Helper()
	link := "/sbin/mount.fuse.cofferfs"
	if old, err := os.Readlink(link); err == nil {
		t.Cleanup(func() { os.Remove(link); os.Symlink(old, link) })
	} else {
		t.Cleanup(func() { os.Remove(link) })
	}
	os.Remove(link)
	if err := os.Symlink(helper, link); err != nil {
		t.Fatal(err)
	}
}

func TestMountHelperAndFstab(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	installHelper(t, buildHelper(t, c.bin))
	out, err := exec.Command("mount", "-t", "fuse.cofferfs", cipher, mnt, "-o", "passfile="+pw+",ro,idle=30m").CombinedOutput()
	if err != nil {
		t.Fatalf("mount -t fuse.cofferfs: %v\n%s", err, out)
	}
	if st := c.must("status"); !strings.Contains(st, mnt) || !strings.Contains(st, " ro ") || !strings.Contains(st, "30m") {
		t.Fatalf("status after mount -t:\n%s", st)
	}
	if err := os.WriteFile(filepath.Join(mnt, "x"), nil, 0o600); err == nil {
		t.Error("ro option ignored")
	}
	c.must("unmount", mnt)

	fstab := filepath.Join(t.TempDir(), "fstab")
	line := cipher + " " + mnt + " fuse.cofferfs passfile=" + pw + ",noauto,nofail 0 0\n"
	if err := os.WriteFile(fstab, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-T", fstab, mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount MNT with fstab line %q: %v\n%s", line, err, out)
	}
	if err := os.WriteFile(filepath.Join(mnt, "via-fstab"), []byte("ok"), 0o600); err != nil {
		t.Fatalf("write through fstab mount: %v", err)
	}
	if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v\n%s", err, out)
	}
	if got := c.must("cat", "--passfile", pw, cipher, "via-fstab"); got != "ok" {
		t.Fatalf("file written through the fstab mount reads %q", got)
	}
}

// needSystemdAnalyze skips without systemd-analyze, except under CI=true
// (scripts/install-deps.sh installs it).
func needSystemdAnalyze(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("systemd-analyze not installed (CI=true)")
	}
	t.Skip("systemd-analyze not installed")
}

// unitCopies writes the shipped units into a temporary directory, the
// template as instance "test", with /usr/local/bin/cofferfs replaced by
// bin; it returns their paths by shipped name.
func unitCopies(t *testing.T, bin string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	units, err := filepath.Glob("../../dist/systemd/*")
	if err != nil || len(units) != 3 {
		t.Fatalf("shipped units: %v, %v", units, err)
	}
	out := map[string]string{}
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(u)
		copyName := strings.Replace(name, "@.", "@test.", 1)
		text := strings.ReplaceAll(string(b), "/usr/local/bin/cofferfs", bin)
		if err := os.WriteFile(filepath.Join(dir, copyName), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out[name] = filepath.Join(dir, copyName)
	}
	return out
}

// unitSettings returns the values of setting key in a unit file.
func unitSettings(t *testing.T, path, key string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			vals = append(vals, v)
		}
	}
	return vals
}

// The shipped units are hardened (systemd-analyze security, offline),
// do not restart for ever on errors a restart cannot fix, keep the mount
// unit and the backup unit of one vault apart, and pass --extpass with
// its arguments as one argument.
func TestSystemdUnitsHardened(t *testing.T) {
	needSystemdAnalyze(t)
	c, cipher, _, pw := newLifecycle(t)
	units := unitCopies(t, c.bin)
	for name, limit := range map[string]string{"cofferfs@.service": "45", "cofferfs-backup.service": "30"} {
		out, err := exec.Command("systemd-analyze", "security", "--offline=true", "--threshold="+limit, units[name]).CombinedOutput()
		if err != nil {
			t.Errorf("%s: exposure above %s/100: %v\n%s", name, limit, err, out)
		}
		for _, want := range []string{"NoNewPrivileges=yes", "UMask=0077", "DeviceAllow=/dev/fuse rw", "RestrictAddressFamilies=AF_UNIX", "PrivateNetwork=yes"} {
			k, v, _ := strings.Cut(want, "=")
			if !slices.Contains(unitSettings(t, units[name], k), v) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
	}
	mountUnit, backup := units["cofferfs@.service"], units["cofferfs-backup.service"]
	prevent := strings.Fields(strings.Join(unitSettings(t, mountUnit, "RestartPreventExitStatus"), " "))
	for _, code := range []int{exitCipherDir, exitPlainDir, exitWrongKey, exitUnsupported} {
		if !slices.Contains(prevent, strconv.Itoa(code)) {
			t.Errorf("cofferfs@.service restarts after exit %d: RestartPreventExitStatus=%v", code, prevent)
		}
	}
	if got := unitSettings(t, backup, "Conflicts"); !slices.Contains(got, "cofferfs@backup.service") {
		t.Errorf("cofferfs-backup.service: Conflicts=%v, want the mount unit of its vault", got)
	}
	if got := unitSettings(t, backup, "RequiresMountsFor"); len(got) == 0 {
		t.Error("cofferfs-backup.service has no RequiresMountsFor=")
	}
	// systemd passes ${UNLOCK} as one argument, spaces included: the
	// documented UNLOCK=--extpass=CMD ARGS must unlock as that argument.
	exec := unitSettings(t, mountUnit, "ExecStart")
	if len(exec) != 1 || !strings.Contains(exec[0], " ${UNLOCK} ") {
		t.Fatalf("cofferfs@.service: ExecStart=%v, want ${UNLOCK} (one argument)", exec)
	}
	b, _ := os.ReadFile(mountUnit)
	mustContain(t, "cofferfs@.service", string(b), "UNLOCK=--extpass=systemd-creds cat cofferfs-NAME")
	c.must("ls", "--extpass=head -n 1 "+pw, cipher)
}

func TestSystemdUnitsVerify(t *testing.T) {
	needSystemdAnalyze(t)
	c := cli{t: t, bin: buildBinary(t)}
	dir := t.TempDir()
	units, err := filepath.Glob("../../dist/systemd/*")
	if err != nil || len(units) != 3 {
		t.Fatalf("shipped units: %v, %v", units, err)
	}
	var args []string
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(u)
		name = strings.Replace(name, "@.", "@test.", 1)
		text := strings.ReplaceAll(string(b), "/usr/local/bin/cofferfs", c.bin)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, filepath.Join(dir, name))
	}
	out, err := exec.Command("systemd-analyze", append([]string{"verify"}, args...)...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
