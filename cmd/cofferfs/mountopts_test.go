package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mountinfoOptions returns the per-mount options of mnt in
// /proc/self/mountinfo.
func mountinfoOptions(t *testing.T, mnt string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[4] == mnt {
			return strings.Split(f[5], ",")
		}
	}
	t.Fatalf("%s not in mountinfo", mnt)
	return nil
}

func hasAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestMountHelperVFSOptions checks that noexec and noatime given to the
// fstab helper reach the kernel: a script on the mount cannot run.
func TestMountHelperVFSOptions(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	helper := buildHelper(t, c.bin)
	out, err := exec.Command(helper, cipher, mnt, "-o", "passfile="+pw+",noexec,nosuid,nodev,noatime,nodiratime").CombinedOutput()
	if err != nil {
		t.Fatalf("mount.cofferfs -o noexec: %v\n%s", err, out)
	}
	defer c.must("unmount", mnt)
	if opts := mountinfoOptions(t, mnt); !hasAll(opts, "noexec", "nosuid", "nodev", "noatime", "nodiratime") {
		t.Errorf("mount options %q lack noexec, nosuid, nodev, noatime or nodiratime", opts)
	}
	script := filepath.Join(mnt, "script.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(script).CombinedOutput(); !errors.Is(err, syscall.EACCES) {
		t.Errorf("a script in a noexec mount: err %v, output %q; want EACCES", err, out)
	}

	if out, err := exec.Command(helper, cipher, t.TempDir(), "-o", "passfile="+pw+",suid").CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "suid") {
		t.Errorf("mount.cofferfs -o suid: %v\n%s", err, out)
	}
}

// TestMountDefaultsNosuidNodev checks that a plain mount is nosuid,nodev
// and allows exec, and that --noexec turns exec off.
func TestMountDefaultsNosuidNodev(t *testing.T) {
	inModes(t, func(t *testing.T, md lifeMode) {
		c, cipher, mnt, pw := newLifecycleMode(t, md)
		c.must(md.args("mount", "--passfile", pw, cipher, mnt)...)
		if opts := mountinfoOptions(t, mnt); !hasAll(opts, "nosuid", "nodev") || hasAll(opts, "noexec") {
			t.Errorf("default mount options %q: want nosuid, nodev and exec", opts)
		}
		c.must("unmount", mnt)
		c.must(md.args("mount", "--noexec", "--passfile", pw, cipher, mnt)...)
		if opts := mountinfoOptions(t, mnt); !hasAll(opts, "noexec", "nosuid", "nodev") {
			t.Errorf("--noexec mount options %q", opts)
		}
		c.must("unmount", mnt)
	})
}
