package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// daemonPID returns the pid that "cofferfs status" lists for mnt.
func daemonPID(t *testing.T, c cli, mnt string) int {
	t.Helper()
	pid, err := strconv.Atoi(statusField(c, mnt, "PID"))
	if err != nil {
		t.Fatalf("no daemon pid for %s in status:\n%s", mnt, c.must("status"))
	}
	return pid
}

// stealFUSEConn duplicates pid's /dev/fuse descriptor into this process,
// so that the connection outlives pid, as when a dying daemon's thread
// is stuck in the kernel. Closing the returned descriptor ends it.
func stealFUSEConn(t *testing.T, pid int) int {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open: %v", err)
	}
	defer unix.Close(pidfd)
	for _, e := range ents {
		if target, _ := os.Readlink(dir + e.Name()); target == "/dev/fuse" {
			n, _ := strconv.Atoi(e.Name())
			fd, err := unix.PidfdGetfd(pidfd, n, 0)
			if err != nil {
				t.Fatalf("pidfd_getfd: %v", err)
			}
			return fd
		}
	}
	t.Fatalf("pid %d holds no /dev/fuse", pid)
	return -1
}

// TestUnmountAbortsDeadConnection kills the daemon while its FUSE
// connection stays open and a process waits on the mount: unmount must
// abort the connection (the waiting process gets an error), unmount, and
// not hang.
func TestUnmountAbortsDeadConnection(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	c.must("mount", "--passfile", pw, cipher, mnt)
	pid := daemonPID(t, c, mnt)
	fd := stealFUSEConn(t, pid)
	defer unix.Close(fd)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !waitExit(pid, 10*time.Second) {
		t.Fatal("daemon did not die")
	}
	stuck := exec.Command("stat", filepath.Join(mnt, "waits-for-ever"))
	if err := stuck.Start(); err != nil {
		t.Fatal(err)
	}
	stuckDone := make(chan error, 1)
	go func() { stuckDone <- stuck.Wait() }()
	time.Sleep(300 * time.Millisecond) // let stat reach the kernel

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, c.bin, "unmount", mnt).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatal("cofferfs unmount hung on a dead daemon's connection")
	}
	if err != nil {
		t.Errorf("cofferfs unmount: %v\n%s", err, out)
	}
	select {
	case <-stuckDone:
	case <-time.After(10 * time.Second):
		t.Error("a process waiting on the dead mount is still stuck after unmount")
	}
	if isMounted(t, mnt) {
		t.Error("still mounted after unmount")
	}
}

// TestForegroundSurvivesBrokenStderr runs "mount -f" with a stderr pipe
// whose reader goes away (mount -f | head): a later log line must not
// kill the daemon, which still unmounts cleanly on SIGTERM.
func TestForegroundSurvivesBrokenStderr(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.bin, "mount", "-f", "--passfile", pw, cipher, mnt)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	sc := bufio.NewScanner(r)
	for sc.Scan() && !strings.Contains(sc.Text(), "cofferfs: mounted") {
	}
	r.Close() // the reader goes away, as head does after its lines
	if !isMounted(t, mnt) {
		t.Fatal("not mounted")
	}
	cmd.Process.Signal(syscall.SIGTERM) // logs "signal: unmounting" to the dead pipe
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("mount -f did not exit on SIGTERM")
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("mount -f died of %v when its stderr reader was gone", ws.Signal())
	}
	if err != nil {
		t.Errorf("mount -f: %v", err)
	}
	if isMounted(t, mnt) {
		t.Error("still mounted after SIGTERM")
	}
}
