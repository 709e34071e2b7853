package main

import (
	"errors"
	"time"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

var unmountCommand = &command{
	name:    "unmount",
	args:    "[--lazy] [-q] MOUNTPOINT",
	summary: "unmount a vault: flush and lock it (alias: lock)",
	help: `Unmounts the vault mounted on MOUNTPOINT; the daemon flushes and exits,
and the vault is locked. When the mount is busy, the processes holding it
are listed (pid, command, and what they hold) and the exit code is 32;
--lazy detaches it at once instead, and the kernel finishes when the last
user lets go. A mount whose daemon was killed is cleaned up as well.
It says what it did on stderr, unless -q.`,
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
	e.quietFlag(fs, "print nothing on success")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	mnt, err := realMountpoint(pos[0])
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
	switch {
	case *lazy:
		e.infof("detached %s: the vault is locked for new access; the kernel finishes when the last user lets go", mnt)
	default:
		e.infof("unmounted %s: the vault is locked", mnt)
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
