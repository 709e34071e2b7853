package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// A job that leaves processes behind (three using the mount, one of them
// in a session of its own holding the file $HOLD open, and one that does
// not use it), and a process from outside that uses the mount: the tests
// start "cofferfs run --mountpoint MNT" with this job and wait for its
// leftovers. The outside process creates $GO when it is there.
const leftoverJob = `M=$COFFERFS_MOUNTPOINT
(cd "$M" && exec sleep 1000) &
(cd "$M" && trap '' TERM && exec sleep 1001) &
setsid sh -c 'exec sleep 1002 3<"$0"' "$M/$HOLD" </dev/null >/dev/null 2>&1 &
(cd / && exec sleep 1004 </dev/null >/dev/null 2>&1) &
while [ ! -e "$GO" ]; do sleep 0.05; done
echo job done`

// runWithLeftovers starts cofferfs run with the leftover job and extra
// flags; it returns the running command, its stderr file and the pids
// of the leftovers (the job's three sleeps and an outside holder).
func runWithLeftovers(t *testing.T, md lifeMode, flags ...string) (*exec.Cmd, string, string, []int) {
	c, src, mnt, pw := newLifecycleMode(t, md)
	hold, goFile := "gocryptfs.conf", filepath.Join(t.TempDir(), "go")
	if !md.reverse { // a file of the vault, created by the job
		hold = "held"
	}
	errFile := filepath.Join(t.TempDir(), "stderr")
	ef, err := os.Create(errFile)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	job := leftoverJob
	if !md.reverse {
		job = `echo held >"$COFFERFS_MOUNTPOINT/held"` + "\n" + job
	}
	args := append(append(md.args("run", "--passfile", pw, "--mountpoint", mnt), flags...), src, "--", "sh", "-c", job)
	run := exec.Command(c.bin, args...)
	run.Env = append(os.Environ(), "HOLD="+hold, "GO="+goFile)
	run.Stdout, run.Stderr = ef, ef // files: a leftover keeping a pipe open cannot block the test
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	var pids []int
	t.Cleanup(func() { // only if the test failed to make them end
		run.Process.Kill()
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		run.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for len(pids) < 3 {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(errFile)
			t.Fatalf("the job's processes did not show up in the mount:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
		pids = holderPids(mnt)
	}
	outside := exec.Command("sh", "-c", `touch "$0"; exec sleep 1003`, goFile)
	outside.Dir = mnt
	if err := outside.Start(); err != nil {
		t.Fatal(err)
	}
	go outside.Wait()
	pids = append(pids, outside.Process.Pid)
	return run, mnt, errFile, pids
}

// holderPids returns the distinct pids using files under mnt.
func holderPids(mnt string) []int {
	var pids []int
	seen := map[int]bool{}
	for _, h := range daemon.Holders(mnt) {
		if !seen[h.PID] {
			seen[h.PID] = true
			pids = append(pids, h.PID)
		}
	}
	return pids
}

var namedPid = regexp.MustCompile(`pid (\d+) \(sleep\)`)

// namedPids returns the pids of the sleep processes named in s.
func namedPids(s string) []int {
	var pids []int
	for _, m := range namedPid.FindAllStringSubmatch(s, -1) {
		pid, _ := strconv.Atoi(m[1])
		pids = append(pids, pid)
	}
	return pids
}

// waitRun waits up to d for the run to exit and returns its exit code.
func waitRun(t *testing.T, run *exec.Cmd, errFile string, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- run.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(d):
		b, _ := os.ReadFile(errFile)
		t.Fatalf("cofferfs run still waits %s after its job ended:\n%s", d, b)
		return -1
	}
}

func TestRunEndsLeftovers(t *testing.T) {
	inModes(t, testRunEndsLeftovers)
}

func testRunEndsLeftovers(t *testing.T, md lifeMode) {
	run, mnt, errFile, pids := runWithLeftovers(t, md, "--kill-after", "1s")
	code := waitRun(t, run, errFile, 60*time.Second)
	b, _ := os.ReadFile(errFile)
	if code != 0 {
		t.Fatalf("exit %d, want the job's 0\n%s", code, b)
	}
	if isMounted(t, mnt) {
		t.Fatal("vault still mounted after run")
	}
	for _, pid := range pids {
		if daemon.Alive(pid) {
			t.Errorf("leftover pid %d still runs", pid)
		}
		if !strings.Contains(string(b), "pid "+strconv.Itoa(pid)+" (sleep)") {
			t.Errorf("stderr does not name leftover pid %d:\n%s", pid, b)
		}
	}
	mustContain(t, "stderr", string(b), "sending SIGKILL to 1 process still running", "(sleep): started by the job")
	for _, pid := range namedPids(string(b)) {
		if daemon.Alive(pid) {
			t.Errorf("leftover pid %d still runs", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func TestRunKeepLeftoversWaits(t *testing.T) {
	inModes(t, testRunKeepLeftoversWaits)
}

func testRunKeepLeftoversWaits(t *testing.T, md lifeMode) {
	run, mnt, errFile, pids := runWithLeftovers(t, md, "--keep-leftovers")
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(errFile)
		if strings.Contains(string(b), "waiting for 5 processes") {
			mustContain(t, "stderr", string(b), "pid "+strconv.Itoa(pids[0])+" (sleep)", "pid "+strconv.Itoa(pids[3])+" (sleep)")
			pids = namedPids(string(b))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run does not say what it waits for:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !isMounted(t, mnt) {
		t.Fatal("--keep-leftovers: the vault was locked under the leftovers")
	}
	for _, pid := range pids {
		if !daemon.Alive(pid) {
			t.Errorf("--keep-leftovers: leftover pid %d was ended", pid)
		}
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if code := waitRun(t, run, errFile, 60*time.Second); code != 0 {
		t.Fatalf("exit %d after the leftovers ended", code)
	}
	if isMounted(t, mnt) {
		t.Fatal("vault still mounted after run")
	}
}
