package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/cofferfs/cofferfs/mount"
)

var runCommand = &command{
	name:    "run",
	args:    "[unlock] [--mountpoint DIR] [--ro] CIPHERDIR -- CMD [ARGS...]",
	summary: "mount, run a backup job, and lock again whatever happens",
	help: `Mounts the vault (on a private temporary directory unless --mountpoint),
runs CMD with COFFERFS_MOUNTPOINT set to the mountpoint, then flushes and
locks — always: also when CMD fails or cofferfs gets SIGINT or SIGTERM
(which are passed on to CMD). The exit code is CMD's (128+N when a signal
N killed it), or cofferfs's own when it could not mount or unmount.

Example, from cron or a systemd timer:
  cofferfs run --passfile /etc/backup.pw ~/Dropbox/backup.coffer -- \
    sh -c 'rsync -a ~/Documents/ "$COFFERFS_MOUNTPOINT"/documents/'`,
	run: runRun,
}

// jobGrace is how long a job may take to exit after SIGTERM before it
// is killed.
const jobGrace = 30 * time.Second

func runRun(e *env, c *command, args []string) error {
	i := slices.Index(args, "--")
	if i < 0 || i == len(args)-1 {
		return e.usageError(c, "missing -- CMD: the job to run inside the mounted vault")
	}
	job := args[i+1:]
	var m mountFlags
	var mnt string
	fs := newFlagSet(c)
	m.unlock.register(fs)
	fs.BoolVar(&m.readOnly, "ro", false, "mount read-only")
	fs.StringVar(&mnt, "mountpoint", "", "mount on `DIR` instead of a private temporary directory")
	pos, err := e.parse(c, fs, args[:i], 1, 1)
	if err != nil {
		return err
	}
	if err := m.unlock.check(e, c); err != nil {
		return err
	}
	cipherdir, err := filepath.Abs(pos[0])
	if err != nil {
		return fail(exitUsage, err)
	}
	mnt, cleanup, err := runMountpoint(mnt)
	if err != nil {
		return err
	}
	defer cleanup()
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
	return e.runJob(v, mnt, &m, job)
}

// runMountpoint checks the chosen mountpoint, or makes a private one
// that cleanup removes.
func runMountpoint(mnt string) (string, func(), error) {
	if mnt != "" {
		abs, err := filepath.Abs(mnt)
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

// runJob mounts v, runs the job, and unmounts.
func (e *env) runJob(v *vault, mnt string, m *mountFlags, job []string) error {
	defer v.Close()
	log := e.logger(false)
	srv, err := mount.Mount(v.fs, mnt, mount.Options{FsName: v.dir, ReadOnly: m.readOnly, Logger: log})
	if err != nil {
		return mountError(mnt, err)
	}
	if remove, err := mount.WriteState(mount.State{Cipherdir: v.dir, Mountpoint: mnt,
		ReadOnly: m.readOnly, PID: os.Getpid(), Started: time.Now().UTC()}); err == nil {
		defer remove()
	}
	code, jobErr := e.execJob(mnt, job)
	if err := lockAfterJob(srv, mnt); err != nil {
		return err
	}
	if jobErr != nil {
		return fail(exitOther, jobErr).withHint("the vault was mounted and is locked again")
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
	if err := cmd.Start(); err != nil {
		return 0, err
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

// lockAfterJob unmounts after the job; processes the job left behind get
// a few seconds, then the mount is detached lazily so the vault is locked
// for every new access.
func lockAfterJob(srv *mount.Server, mnt string) error {
	for i := 0; i < 50; i++ {
		if srv.Unmount() == nil {
			srv.Wait()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := mount.Unmount(mnt, true); err != nil && !errors.Is(err, mount.ErrNotMounted) {
		return fail(exitOther, err).withHint("the vault may still be mounted on %s", mnt)
	}
	srv.Wait()
	return nil
}
