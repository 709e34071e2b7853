package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// TestKeyDerivationInterruptible: SIGINT/SIGTERM (the context) ends the
// wait for scrypt at once with the interrupt exit code, instead of after
// the whole derivation (which a forged config could make last hours).
func TestKeyDerivationInterruptible(t *testing.T) {
	dir, passfile, _ := makeVault(t, "pw", "--scryptn", "16")
	c, err := loadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as if SIGTERM arrived while scrypt runs
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	key, err := e.masterKey(c, &unlockFlags{passfile: passfile})
	var x *exitError
	if !errors.As(err, &x) || x.code != exitSigInt {
		t.Fatalf("masterKey after SIGTERM = %x, %v; want exit %d", key, err, exitSigInt)
	}
}

// TestSigtermStopsKeyDerivation: SIGTERM during a long key derivation
// ends cofferfs at once with exit 15, and the derivation with it (as
// timeout and systemctl stop need).
func TestSigtermStopsKeyDerivation(t *testing.T) {
	bin := buildBinary(t)
	dir, pf, _ := makeVault(t, "pw", "--scryptn", "18") // 256 MiB, a second or so
	cmd := exec.Command(bin, "ls", "--passfile", pf, dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	helper := 0
	for i := 0; helper == 0 && i < 1000; i++ {
		helper = childWithArg(cmd.Process.Pid, unwrapHelperArg)
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitSigInt {
		t.Fatalf("ls after SIGTERM during the derivation: %v, want exit %d", err, exitSigInt)
	}
	if helper == 0 {
		t.Fatal("no key-derivation helper was seen")
	}
	if err := unix.Kill(helper, 0); err == nil && daemon.Alive(helper) {
		t.Errorf("the key derivation (pid %d) outlived cofferfs", helper)
	}
}

// childWithArg returns the pid of a child of ppid whose command line
// holds arg, or 0.
func childWithArg(ppid int, arg string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || !bytes.Contains(cmdline, []byte(arg)) {
			continue
		}
		if f := strings.Fields(string(stat[i+1:])); len(f) > 1 && f[1] == strconv.Itoa(ppid) {
			return pid
		}
	}
	return 0
}
