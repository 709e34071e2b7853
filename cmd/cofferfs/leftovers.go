package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// Processes a job leaves behind ("sleep 1000 &", an agent it started)
// would keep the mount busy for ever. cofferfs run finds them the way
// systemd finds a unit's processes in its control group: cofferfs is the
// child subreaper of its job, so every orphaned descendant (also one
// that called setsid) becomes a child of cofferfs; and every process
// still using files under the mountpoint is one too. The job is not put
// in a process group or session of its own: in a background process
// group a job reading the terminal would be stopped (SIGTTIN), and in a
// new session it would lose /dev/tty (ssh and sudo prompts).

// leftover is a process the job left behind.
type leftover struct {
	pid  int
	comm string
	what []string // how it uses the mount, if it does
}

// String renders "pid 12 (sleep): cwd, fd 3 (/mnt/x)", or
// "pid 12 (sleep): started by the job".
func (l leftover) String() string {
	what := "started by the job"
	if len(l.what) > 0 {
		what = strings.Join(l.what, ", ")
	}
	return fmt.Sprintf("pid %d (%s): %s", l.pid, l.comm, what)
}

// becomeSubreaper makes orphaned descendants children of this process.
func becomeSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// findLeftovers returns the live descendants of this process and the
// processes using files under mnt, ordered by pid. Zombie children
// (leftovers that have exited) are reaped on the way.
func findLeftovers(mnt string) []leftover {
	byPID := map[int]*leftover{}
	for _, pid := range descendants(os.Getpid()) {
		byPID[pid] = &leftover{pid: pid, comm: commOf(pid)}
	}
	for _, h := range daemon.Holders(mnt) {
		l := byPID[h.PID]
		if l == nil {
			l = &leftover{pid: h.PID, comm: h.Command}
			byPID[h.PID] = l
		}
		l.what = append(l.what, h.What)
	}
	out := make([]leftover, 0, len(byPID))
	for _, l := range byPID {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b leftover) int { return a.pid - b.pid })
	return out
}

// descendants returns the live (not zombie) descendants of pid, and
// reaps pid's zombie children when pid is this process.
func descendants(root int) []int {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, zombie, ok := procStat(pid)
		switch {
		case !ok:
		case zombie && ppid == os.Getpid():
			unix.Wait4(pid, nil, unix.WNOHANG, nil)
		case !zombie:
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	for todo := children[root]; len(todo) > 0; todo = todo[1:] {
		out = append(out, todo[0])
		todo = append(todo, children[todo[0]]...)
	}
	return out
}

// procStat returns the parent pid of pid and whether it is a zombie.
func procStat(pid int) (ppid int, zombie, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	i := bytes.LastIndexByte(b, ')')
	if err != nil || i < 0 {
		return 0, false, false
	}
	f := strings.Fields(string(b[i+1:])) // state, ppid, ...
	if len(f) < 2 {
		return 0, false, false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0] == "Z", err == nil
}

// commOf returns the command name of pid.
func commOf(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// leftoverPoll is how often the leftovers are looked for again.
const leftoverPoll = 100 * time.Millisecond

// endLeftovers deals with the processes the job left behind: with keep,
// it waits for them (saying which, again every minute) until they are
// gone or cofferfs gets SIGINT/SIGTERM; then it sends them SIGTERM, and
// SIGKILL to those still running killAfter later.
func (e *env) endLeftovers(mnt string, keep bool, killAfter time.Duration) {
	left := findLeftovers(mnt)
	if len(left) == 0 {
		return
	}
	if keep && e.waitLeftovers(mnt, left) {
		return
	}
	left = findLeftovers(mnt)
	if len(left) == 0 {
		return
	}
	e.warnf("the job left %s behind; ending them (SIGTERM, SIGKILL after %s; --keep-leftovers waits for them):",
		processes(len(left)), formatDuration(killAfter))
	e.listLeftovers(left)
	killAt := time.Now().Add(killAfter)
	giveUp := killAt.Add(5 * time.Second)
	sent := map[int]syscall.Signal{}
	for ; len(left) > 0; left = findLeftovers(mnt) {
		sig := syscall.SIGTERM
		if now := time.Now(); now.After(giveUp) {
			e.warnf("%s did not end; locking the vault anyway", processes(len(left)))
			return
		} else if now.After(killAt) {
			sig = syscall.SIGKILL
		}
		var now []leftover
		for _, l := range left {
			if sent[l.pid] != sig {
				sent[l.pid] = sig
				unix.Kill(l.pid, sig)
				now = append(now, l)
			}
		}
		if sig == syscall.SIGKILL && len(now) > 0 {
			e.warnf("sending SIGKILL to %s still running:", processes(len(now)))
			e.listLeftovers(now)
		}
		time.Sleep(leftoverPoll)
	}
}

// listLeftovers prints one line per leftover.
func (e *env) listLeftovers(left []leftover) {
	for _, l := range left {
		e.detailf("  %s", l)
	}
}

// processes renders "1 process", "2 processes".
func processes(n int) string {
	if n == 1 {
		return "1 process"
	}
	return strconv.Itoa(n) + " processes"
}

// waitLeftovers waits until no leftover is left (true), or cofferfs is
// told to stop (false), saying what it waits for.
func (e *env) waitLeftovers(mnt string, left []leftover) bool {
	var said time.Time
	for ; len(left) > 0; left = findLeftovers(mnt) {
		if time.Since(said) >= time.Minute && !e.quiet {
			e.infof("the job has ended; waiting for %s it left behind (--keep-leftovers):", processes(len(left)))
			e.listLeftovers(left)
			said = time.Now()
		}
		select {
		case <-e.ctx.Done():
			return false
		case <-time.After(leftoverPoll):
		}
	}
	return true
}
