package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

var statusCommand = &command{
	name:    "status",
	args:    "[--json] [-q]",
	summary: "list the mounted vaults",
	help: `Lists every mounted cofferfs vault: mountpoint, cipherdir, MODE (rw,
ro, or reverse for the ciphertext view of a plain directory, whose
CIPHERDIR column shows the plain directory), the idle lock (--idle) and when it locks the vault (LOCKS IN:
the time left, counted from the daemon's last request; "held" while files
are open, since it waits for them; "due" once the time is up: it locks
at its next check, unless a process has its working directory there),
the pid of the daemon serving it ("- (daemon gone)" when it was killed:
nothing else is then shown for it), the transport (uring for FUSE over
io_uring, dev for /dev/fuse), how many entries differed from the vault's
sealed manifest when it was mounted (CHANGED; "cofferfs verify" lists
them), how many backing entries its listings hide (names that do not
decrypt, downloads a sync client has not finished; the daemon's log
names them), and where the daemon logs (LOG: syslog, stderr for mount -f
and run, or its log file). A mount of another user shows "- (uid N)":
its record is that user's. Records left by daemons that are gone are
removed. --json prints the same as a JSON array; -q leaves out the note
"no vault is mounted".`,
	run: runStatus,
}

// mountStatus is one mounted vault as status shows it (the JSON form;
// the table shows the same fields).
type mountStatus struct {
	Mountpoint string `json:"mountpoint"`
	Cipherdir  string `json:"cipherdir"`
	ReadOnly   bool   `json:"readonly"`
	// Reverse marks the ciphertext view of a plain directory (mount
	// --reverse); Cipherdir is then the plain directory.
	Reverse bool `json:"reverse,omitempty"`
	// Idle is the idle lock's time, LocksIn when it comes: a duration
	// from now, "held" (files are open) or "due"; IdleLockAt is the time
	// it comes, unless held.
	Idle       string     `json:"idle,omitempty"`
	LocksIn    string     `json:"locks_in,omitempty"`
	IdleLockAt *time.Time `json:"idle_lock_at,omitempty"`
	OpenFiles  int        `json:"open_files,omitempty"`
	PID        int        `json:"pid,omitempty"`
	DaemonGone bool       `json:"daemon_gone"`
	// OtherUser marks a mount of user UID, whose record is not ours.
	OtherUser bool   `json:"other_user,omitempty"`
	UID       int    `json:"uid"`
	Transport string `json:"transport,omitempty"`
	Changed   string `json:"changed,omitempty"`
	Hidden    int    `json:"hidden"`
	Log       string `json:"log,omitempty"`
}

func runStatus(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	asJSON := fs.Bool("json", false, "print the list as JSON (an array, [] when nothing is mounted)")
	e.quietFlag(fs, `print nothing when no vault is mounted (not the note "no vault is mounted")`)
	if _, err := e.parse(c, fs, args, 0, 0); err != nil {
		return err
	}
	daemon.CleanStale()
	ms, err := daemon.Mounts()
	if err != nil {
		return fail(exitOther, err)
	}
	out := []mountStatus{}
	for _, m := range ms {
		out = append(out, describeMount(m, os.Geteuid(), time.Now()))
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case len(out) == 0:
		e.infof("no vault is mounted")
		return nil
	}
	return printStatus(e, out)
}

// describeMount gathers what status shows of mount m: the kernel's view,
// and the daemon's record if it is this user's (euid) and the daemon
// still runs.
func describeMount(m daemon.MountInfo, euid int, now time.Time) mountStatus {
	s := mountStatus{Mountpoint: m.Mountpoint, Cipherdir: m.Source, ReadOnly: m.ReadOnly, UID: m.UID}
	if m.UID >= 0 && m.UID != euid {
		s.OtherUser = true
		return s
	}
	st, ok := daemon.ReadState(m.Mountpoint)
	if !ok {
		s.DaemonGone = true
		return s
	}
	s.Idle, s.PID, s.Transport, s.Changed, s.Hidden, s.Log = st.Idle, st.PID, st.Transport, st.Changed, st.Hidden, st.Log
	s.Reverse = st.Reverse
	s.LocksIn, s.IdleLockAt = idleCountdown(st, now)
	s.OpenFiles = st.OpenFiles
	return s
}

// idleCountdown says when the idle lock of the daemon st describes
// comes: the time left from now (rounded up to the second) and the time
// it comes, "held" while files are open (the lock waits for them, and
// counts from the last close), or "due" once the time is up. It returns
// "" without an idle lock or when the record does not say.
func idleCountdown(st daemon.State, now time.Time) (string, *time.Time) {
	idle, err := time.ParseDuration(st.Idle)
	if st.Idle == "" || err != nil || st.LastActive.IsZero() {
		return "", nil
	}
	if st.OpenFiles > 0 {
		return "held", nil
	}
	at := st.LastActive.Add(idle)
	left := at.Sub(now)
	if left <= 0 {
		return "due", &at
	}
	return formatDuration((left + time.Second - 1).Truncate(time.Second)), &at
}

// printStatus writes the mounts as a table.
func printStatus(e *env, out []mountStatus) error {
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "MOUNTPOINT\tCIPHERDIR\tMODE\tIDLE LOCK\tLOCKS IN\tPID\tTRANSPORT\tCHANGED\tHIDDEN\tLOG")
	for _, s := range out {
		mode, pid, hidden := "rw", fmt.Sprint(s.PID), fmt.Sprint(s.Hidden)
		switch {
		case s.Reverse:
			mode = "reverse"
		case s.ReadOnly:
			mode = "ro"
		}
		switch {
		case s.OtherUser:
			pid, hidden = fmt.Sprintf("- (uid %d)", s.UID), "-"
		case s.DaemonGone:
			pid, hidden = "- (daemon gone)", "-"
		}
		cols := []string{displayName(s.Mountpoint), displayName(s.Cipherdir), mode, orDash(s.Idle), orDash(s.LocksIn),
			pid, orDash(s.Transport), orDash(s.Changed), hidden, orDash(displayName(s.Log))}
		fmt.Fprintln(w, strings.Join(cols, "\t"))
	}
	return w.Flush()
}

// orDash returns s, or "-" for "".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
