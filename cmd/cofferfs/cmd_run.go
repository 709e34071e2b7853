package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/cofferfs/cofferfs/internal/daemon"
	"github.com/cofferfs/cofferfs/mount"
)

var runCommand = &command{
	name:    "run",
	args:    "[unlock] [--mountpoint DIR] [--ro] [--transport T] [--kill-after DURATION] [--keep-leftovers] [--verify [--accept]] [-q] CIPHERDIR -- CMD [ARGS...]\n       [unlock] --reverse [--mountpoint DIR] [--transport T] [--exclude PATTERN]... [--exclude-from FILE] [--kill-after DURATION] [--keep-leftovers] [-q] PLAINDIR -- CMD [ARGS...]",
	summary: "mount, run a backup job, and lock again whatever happens",
	help: `Mounts the vault (on a private temporary directory unless --mountpoint),
runs CMD with COFFERFS_MOUNTPOINT set to the mountpoint, then flushes and
locks — always: also when CMD fails or cofferfs gets SIGINT or SIGTERM
(which are passed on to CMD). The exit code is CMD's (128+N when a signal
N killed it), 127 when CMD is not found and 126 when it cannot be
executed (checked before the password is asked, unless CMD lies under
the mountpoint), or cofferfs's own when it could not mount or unmount.

Processes the job leaves behind (a "cmd &", an agent it started: every
descendant, also one that called setsid) and any process still using
files under the mountpoint are named on stderr and ended when the job
exits, as systemd does with a unit's processes: SIGTERM, then SIGKILL
--kill-after later (default 10s). --keep-leftovers waits for them
instead (saying which, every minute) and ends them only on SIGINT or
SIGTERM. -q keeps cofferfs's own notes and log lines out of the job's
mail: only warnings and errors are printed.

The vault is sealed when the job is done (see "cofferfs help verify").
--verify first compares the vault with its sealed manifest and does not
run the job (exit 26) when something changed outside cofferfs, unless
--accept (or --ro, which runs it on the read-only mount).

With --reverse, PLAINDIR is a plain directory set up with "cofferfs init
--reverse" and the job sees its read-only ciphertext view (see "cofferfs
help mount"), with --exclude and --exclude-from as for mount; the exit
codes, leftovers and the unmount at the end are the same, and there is
nothing to seal (--verify is refused).

Example, from cron or a systemd timer:
  cofferfs run --passfile /etc/backup.pw ~/Dropbox/backup.coffer -- \
    sh -c 'rsync -a ~/Documents/ "$COFFERFS_MOUNTPOINT"/documents/'
  cofferfs run --reverse --passfile /etc/backup.pw ~/Documents -- \
    sh -c 'rclone sync "$COFFERFS_MOUNTPOINT" remote:documents'`,
	run: runRun,
}

// cutJob splits the arguments of run at the first "--".
func cutJob(args []string) (flags, job []string, found bool) {
	i := slices.Index(args, "--")
	if i < 0 {
		return args, nil, false
	}
	return args[:i], args[i+1:], true
}

// jobGrace is how long a job may take to exit after SIGTERM before it
// is killed.
const jobGrace = 30 * time.Second

// leftoverFlags say what to do with the processes a job leaves behind.
type leftoverFlags struct {
	keep      bool
	killAfter time.Duration
}

func runRun(e *env, c *command, args []string) error {
	flagArgs, job, _ := cutJob(args)
	if len(job) == 0 && !asksHelp(flagArgs) {
		return e.usageError(c, "missing -- CMD: the job to run inside the mounted vault")
	}
	var m mountFlags
	var mnt string
	var lf leftoverFlags
	fs := newFlagSet(c)
	m.unlock.register(fs)
	fs.BoolVar(&m.readOnly, "ro", false, "mount read-only")
	fs.StringVar(&m.transport, "transport", mount.TransportAuto, "how requests reach the daemon: `auto`, uring (io_uring) or dev (/dev/fuse)")
	fs.StringVar(&mnt, "mountpoint", "", "mount on `DIR` instead of a private temporary directory")
	fs.DurationVar(&lf.killAfter, "kill-after", 10*time.Second, "SIGKILL the job's leftover processes `DURATION` after SIGTERM")
	fs.BoolVar(&lf.keep, "keep-leftovers", false, "wait for the job's leftover processes instead of ending them")
	m.seal.register(fs)
	fs.BoolVar(&m.reverse, "reverse", false, "mount the encrypted view of the plain directory PLAINDIR (read-only) for the job")
	fs.Var(&m.excludes, "exclude", "--reverse: hide paths matching the gitignore `PATTERN` (repeatable)")
	fs.StringVar(&m.excludeFrom, "exclude-from", "", "--reverse: read exclude patterns from `FILE`")
	e.quietFlag(fs, "print none of cofferfs's notes and log lines, only warnings and errors (the job's output is its own)")
	pos, err := e.parse(c, fs, flagArgs, 1, 1)
	if err != nil {
		return err
	}
	if lf.killAfter < 0 {
		return e.usageError(c, "--kill-after must not be negative")
	}
	if err := m.unlock.check(e, c); err != nil {
		return err
	}
	if err := mount.CheckTransport(m.transport); err != nil {
		return e.usageError(c, "%v", err)
	}
	if err := e.checkReverseFlags(c, fs, &m); err != nil {
		return err
	}
	if err := checkStateDir(); err != nil {
		return err
	}
	cipherdir, err := filepath.Abs(pos[0])
	if err != nil {
		return fail(exitUsage, err)
	}
	if err := checkJob(job[0], mnt); err != nil {
		return err
	}
	mnt, cleanup, err := runMountpoint(mnt)
	if err != nil {
		return err
	}
	defer cleanup()
	e.fsLog, e.logPlace = e.logger(false), daemon.LogStderr
	if m.reverse {
		return e.runReverse(cipherdir, mnt, &m, &lf, job)
	}
	if err := e.checkPlacement(cipherdir, mnt); err != nil {
		return err
	}
	if !m.readOnly {
		claim, err := claimVault(cipherdir, "run")
		if err != nil {
			return err
		}
		defer claim.Release()
	}
	v, key, err := e.unlockVault(cipherdir, &m.unlock, m.readOnly)
	clear(key)
	if err != nil {
		return err
	}
	if err := e.checkBeforeMount(v, &m.seal, m.readOnly); err != nil {
		v.Close()
		return err
	}
	return e.runJob(v, mnt, &m, &lf, job)
}

// runMountpoint checks the chosen mountpoint, or makes a private one
// that cleanup removes.
func runMountpoint(mnt string) (string, func(), error) {
	if mnt != "" {
		abs, err := realMountpoint(mnt)
		if err != nil {
			return "", nil, fail(exitUsage, err)
		}
		return abs, func() {}, checkMountpoint(abs)
	}
	dir, err := os.MkdirTemp("", "cofferfs-run-")
	if err != nil {
		return "", nil, fail(exitOther, err)
	}
	return dir, func() { os.Remove(dir) }, checkMountpoint(dir)
}

// runJob mounts v, runs the job, deals with its leftover processes, and
// unmounts.
func (e *env) runJob(v *vault, mnt string, m *mountFlags, lf *leftoverFlags, job []string) error {
	defer v.Close()
	log := e.fsLog
	own, stopOwn := recordOwnChanges(v)
	srv, err := mount.Mount(v.fs, mnt, mount.Options{FsName: v.dir, ReadOnly: m.readOnly, Logger: log, Transport: m.transport})
	if err != nil {
		stopOwn()
		return mountError(mnt, err, false)
	}
	sealer := startSealing(v, log, own, stopOwn) // sealmanifest.go
	defer sealer.stop()                          // seals after the job and the unmount
	defer recordMount(daemon.State{Cipherdir: v.dir, Mountpoint: mnt, ReadOnly: m.readOnly, PID: os.Getpid(),
		Started: time.Now().UTC(), Transport: srv.Transport(), Log: e.logPlace}, log, forwardPoll(srv, v.fs, sealer.changed))()
	code, jobErr := e.execJob(mnt, job)
	e.endLeftovers(mnt, lf.keep, lf.killAfter)
	if err := e.lockAfterJob(srv, mnt); err != nil {
		return err
	}
	return jobResult(code, jobErr, "the vault was mounted and is locked again")
}

// jobResult is run's result: the job's exit code, or the error that kept
// it from running, with hint saying what became of the mount.
func jobResult(code int, jobErr error, hint string) error {
	if jobErr != nil {
		var x *exitError
		if !errors.As(jobErr, &x) {
			x = fail(exitOther, jobErr)
		}
		return x.withHint("%s", hint)
	}
	return &exitError{code: code}
}

// execJob runs the job with COFFERFS_MOUNTPOINT set and returns its exit
// code. SIGINT/SIGTERM to cofferfs are passed on as SIGTERM, and the job
// is killed if it has not exited jobGrace later.
func (e *env) execJob(mnt string, job []string) (int, error) {
	cmd := exec.Command(job[0], job[1:]...)
	cmd.Env = append(os.Environ(), "COFFERFS_MOUNTPOINT="+mnt)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	if err := becomeSubreaper(); err != nil {
		return 0, fmt.Errorf("cannot track the job's processes: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return 0, jobError(job[0], err)
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-e.ctx.Done():
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(jobGrace):
				cmd.Process.Kill()
			}
		case <-done:
		}
	}()
	err := cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	return 0, err
}

// unmounter is a running mount of either mode.
type unmounter interface {
	Unmount() error
	Wait()
}

// lockAfterJob unmounts after the job; processes still using the mount
// (those endLeftovers could not end) get a few seconds, then the mount
// is detached lazily so the vault is locked for every new access, and
// cofferfs waits for them, naming them.
func (e *env) lockAfterJob(srv unmounter, mnt string) error {
	for i := 0; i < 50; i++ {
		if srv.Unmount() == nil {
			srv.Wait()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	holders := daemon.Holders(mnt)
	if err := daemon.Unmount(mnt, true); err != nil && !errors.Is(err, daemon.ErrNotMounted) {
		return fail(exitOther, err).withHint("the vault may still be mounted on %s", mnt)
	}
	if len(holders) > 0 {
		e.warnf("the mount is detached (locked for new access); waiting for these to let go:")
		for _, h := range holders {
			e.detailf("  %s", h)
		}
	}
	srv.Wait()
	return nil
}
