package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Holder is a process that keeps a mount busy.
type Holder struct {
	// PID is the process id.
	PID int
	// Command is the process's command name (/proc/PID/comm).
	Command string
	// What says how it holds the mount: "cwd", "root", "exe", "fd 3
	// (/path)", "mmap (/path)".
	What string
}

// String renders "pid 123 (bash): cwd".
func (h Holder) String() string { return fmt.Sprintf("pid %d (%s): %s", h.PID, h.Command, h.What) }

// Holders lists the processes that use files under mountpoint: their
// working or root directory, executable, open files or mapped files.
// Processes it may not inspect are skipped.
func Holders(mountpoint string) []Holder {
	mnt := filepath.Clean(mountpoint)
	under := func(p string) bool { return p == mnt || strings.HasPrefix(p, mnt+"/") }
	procs, _ := os.ReadDir("/proc")
	var out []Holder
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		out = append(out, holdersOf(pid, under)...)
	}
	return out
}

func holdersOf(pid int, under func(string) bool) []Holder {
	dir := "/proc/" + strconv.Itoa(pid)
	comm, _ := os.ReadFile(dir + "/comm")
	h := func(what string) Holder {
		return Holder{PID: pid, Command: strings.TrimSpace(string(comm)), What: what}
	}
	var out []Holder
	for _, l := range []string{"cwd", "root", "exe"} {
		if t, err := os.Readlink(dir + "/" + l); err == nil && under(t) {
			out = append(out, h(l))
		}
	}
	fds, _ := os.ReadDir(dir + "/fd")
	for _, fd := range fds {
		if t, err := os.Readlink(dir + "/fd/" + fd.Name()); err == nil && under(t) {
			out = append(out, h("fd "+fd.Name()+" ("+t+")"))
		}
	}
	if maps, err := os.ReadFile(dir + "/maps"); err == nil {
		seen := map[string]bool{}
		for _, line := range strings.Split(string(maps), "\n") {
			if i := strings.Index(line, " /"); i >= 0 {
				p := strings.TrimSpace(line[i:])
				if under(p) && !seen[p] {
					seen[p] = true
					out = append(out, h("mmap ("+p+")"))
				}
			}
		}
	}
	return out
}
