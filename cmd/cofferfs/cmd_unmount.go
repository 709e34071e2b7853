package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

var unmountCommand = &command{
	name:    "unmount",
	args:    "[--lazy] MOUNTPOINT",
	summary: "unmount a vault: flush and lock it (alias: lock)",
	help: `Unmounts the vault mounted on MOUNTPOINT; the daemon flushes and exits,
and the vault is locked. When the mount is busy, the processes holding it
are listed (pid, command, and what they hold) and the exit code is 32;
--lazy detaches it at once instead, and the kernel finishes when the last
user lets go. A mount whose daemon was killed is cleaned up as well.`,
	run: runUnmount,
}

var lockCommand = &command{
	name:    "lock",
	args:    unmountCommand.args,
	summary: "same as unmount",
	help:    unmountCommand.help,
	run:     runUnmount,
}

func runUnmount(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	lazy := fs.Bool("lazy", false, "detach a busy mount now")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	mnt, err := filepath.Abs(pos[0])
	if err != nil {
		return fail(exitUsage, err)
	}
	st, alive := daemon.ReadState(mnt)
	err = daemon.Unmount(mnt, *lazy) // before CleanStale: it aborts a dead daemon's connection by its record
	daemon.CleanStale()
	var busy *daemon.BusyError
	switch {
	case errors.As(err, &busy):
		return busyError(busy)
	case errors.Is(err, daemon.ErrNotMounted):
		return failf(exitPlainDir, "no cofferfs vault is mounted on %s", mnt)
	case err != nil:
		return fail(exitOther, err)
	}
	if alive && !*lazy && !waitExit(st.PID, 10*time.Second) {
		e.warnf("the daemon (pid %d) has not exited yet", st.PID)
	}
	return nil
}

// busyError lists who holds a busy mount.
func busyError(b *daemon.BusyError) error {
	x := failf(exitBusy, "%s is busy", b.Mountpoint)
	for _, h := range b.Holders {
		x.withHint("in use by %s", h)
	}
	return x.withHint("close those programs (or leave the directory), or use: cofferfs unmount --lazy %s", b.Mountpoint)
}

var statusCommand = &command{
	name:    "status",
	args:    "",
	summary: "list the mounted vaults",
	help: `Lists every mounted cofferfs vault: mountpoint, cipherdir, read-only or
read-write, idle lock, the pid of the daemon serving it ("- (daemon
gone)" when it was killed), how many entries differed from the vault's
sealed manifest when it was mounted (CHANGED; "cofferfs verify" lists
them), and how many backing entries its listings
hide (names that do not decrypt, downloads a sync client has not
finished; the daemon's log names them). Records left by daemons that are
gone are removed.`,
	run: runStatus,
}

func runStatus(e *env, c *command, args []string) error {
	if _, err := e.parse(c, newFlagSet(c), args, 0, 0); err != nil {
		return err
	}
	daemon.CleanStale()
	ms, err := daemon.Mounts()
	if err != nil {
		return fail(exitOther, err)
	}
	if len(ms) == 0 {
		e.infof("no vault is mounted")
		return nil
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "MOUNTPOINT\tCIPHERDIR\tMODE\tIDLE LOCK\tPID\tCHANGED\tHIDDEN")
	for _, m := range ms {
		mode, idle, pid, changed, hidden := "rw", "-", "-", "-", "-"
		if m.ReadOnly {
			mode = "ro"
		}
		if st, ok := daemon.ReadState(m.Mountpoint); ok {
			pid, hidden = fmt.Sprint(st.PID), fmt.Sprint(st.Hidden)
			if st.Changed != "" {
				changed = st.Changed
			}
			if st.Idle != "" {
				idle = st.Idle
			}
		} else {
			pid = "- (daemon gone)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", displayName(m.Mountpoint), displayName(m.Source), mode, idle, pid, changed, hidden)
	}
	return w.Flush()
}
