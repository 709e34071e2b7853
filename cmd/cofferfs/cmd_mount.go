package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/internal/daemon"
	"github.com/cofferfs/cofferfs/mount"
)

var mountCommand = &command{
	name:    "mount",
	args:    "[unlock] [-f|--foreground] [--ro] [--idle DURATION] [--allow-other] [--noxattr] [--noexec] [--noatime] [--cache-timeout DURATION] [--verify [--accept]] [--transport auto|uring|dev] [-q] CIPHERDIR MOUNTPOINT\n       [unlock] --reverse [-f|--foreground] [--idle DURATION] [--allow-other] [--noexec] [--noatime] [--transport auto|uring|dev] [--exclude PATTERN]... [--exclude-from FILE] [-q] PLAINDIR MOUNTPOINT",
	summary: "mount the plaintext view of a vault (unmount to lock)",
	help: `Unlocks the vault and mounts its plaintext view on MOUNTPOINT, an empty
directory. Everything written there is stored encrypted in CIPHERDIR.

By default cofferfs goes to the background and returns once the mount is
ready (exit 0), or exits non-zero with the reason (wrong password 12,
mountpoint missing, not empty or already mounted 10, ...). The daemon
logs to syslog, or to a file in the state directory when there is none.
With -f it stays in the foreground and logs to stderr. SIGINT and SIGTERM
flush and unmount. --idle 15m locks (unmounts) after 15 minutes without
file system activity and with no open files. --ro mounts read-only.
--allow-other lets other users in (FUSE allow_other; permissions are
still checked against the modes and owners, as on ext4). --noxattr turns
extended attributes off (setting one fails with "operation not
supported"); metadata-heavy work such as untar or ls -l gets faster,
because the kernel stops asking for them. --noexec forbids running
programs from the mount, --noatime and --nodiratime set those mount
flags; a mount is always nosuid and nodev (set-ID bits and device nodes
from a synced folder are not honoured).

A mountpoint inside CIPHERDIR is refused (the sync client would upload
the plaintext view), one elsewhere in the synced folder that holds the
vault gets a warning. While the vault is mounted read-write, or run,
fsck --repair or import works on it, another read-write mount is
refused with exit code 32, naming the pid and mountpoint of the first.


The vault's sealed manifest (see "cofferfs help verify") is checked at
mount (a rollback of the whole vault is warned about), sealed every few
minutes and at unmount. --verify compares the whole vault with it first
and refuses to mount read-write when something changed outside cofferfs,
unless --accept.


--transport chooses how the kernel's requests reach the daemon: auto (the
default) uses FUSE over io_uring when the kernel offers it (root, Linux
6.14+, /sys/module/fuse/parameters/enable_uring set to Y) and /dev/fuse
otherwise, logging why; uring fails when io_uring cannot be used; dev
always uses /dev/fuse. io_uring answers each request on the CPU that
issued it, which makes metadata-heavy work much faster. "cofferfs status"
shows the transport of each mount.


The kernel caches names and attributes for --cache-timeout (default
1s: a sync client's change shows within that time). Above 1s it also
caches file contents and listings, and cofferfs watches the backing
directories (inotify) and drops from the cache at once what a sync
client changes there.


With --reverse, PLAINDIR is a plain directory set up with "cofferfs init
--reverse": MOUNTPOINT shows its read-only, deterministic ciphertext view
(AES-SIV, the format of gocryptfs -reverse) for rsync, rclone or
Syncthing to upload. --exclude hides paths matching a gitignore PATTERN
(repeatable); --exclude-from reads patterns from FILE. -f, --idle,
--allow-other, --noexec, --noatime, --nodiratime, --noxattr, --ro (it
is always read-only) and --transport work as above; --verify, --accept
and --cache-timeout are refused (the view has no manifest, and its
caches last 1s so that a changed plain file shows). A mountpoint inside
PLAINDIR is refused: the view would show itself.`,
	run: runMount,
}

// mountFlags are the flags of "cofferfs mount".
type mountFlags struct {
	unlock     unlockFlags
	foreground bool
	readOnly   bool
	idle       time.Duration
	allowOther bool
	noXattr    bool
	noExec     bool
	noAtime    bool
	noDiratime bool
	transport  string
	cacheTTL   time.Duration
	debug      bool
	child      bool      // internal: this process is the background daemon
	seal       sealFlags // --verify, --accept (sealmanifest.go)

	reverse     bool        // show the ciphertext view of a plain directory
	excludes    excludeFlag // --reverse: gitignore patterns to hide
	excludeFrom string      // --reverse: file of patterns
}

func (m *mountFlags) register(fs *flag.FlagSet) {
	m.unlock.register(fs)
	fs.BoolVar(&m.foreground, "f", false, "stay in the foreground")
	fs.BoolVar(&m.foreground, "foreground", false, "stay in the foreground")
	fs.BoolVar(&m.readOnly, "ro", false, "mount read-only")
	fs.DurationVar(&m.idle, "idle", 0, "lock after `DURATION` without activity (e.g. 15m)")
	fs.BoolVar(&m.allowOther, "allow-other", false, "let other users access the mount")
	fs.BoolVar(&m.noXattr, "noxattr", false, "turn extended attributes off (faster metadata)")
	fs.BoolVar(&m.noExec, "noexec", false, "do not allow running programs from the mount")
	fs.BoolVar(&m.noAtime, "noatime", false, "mount with noatime")
	fs.BoolVar(&m.noDiratime, "nodiratime", false, "mount with nodiratime")
	fs.StringVar(&m.transport, "transport", mount.TransportAuto, "how requests reach the daemon: `auto`, uring (io_uring) or dev (/dev/fuse)")
	fs.DurationVar(&m.cacheTTL, "cache-timeout", mount.DefaultCacheTimeout, "how long the kernel caches names and attributes (`DURATION`; up to 1s: no watcher)")
	fs.BoolVar(&m.debug, "debug", false, "log every FUSE request (foreground)")
	fs.BoolVar(&m.child, "daemon-child", false, "internal: run as the background daemon")
	m.seal.register(fs)
	fs.BoolVar(&m.reverse, "reverse", false, "mount the encrypted view of a plain directory (read-only)")
	fs.Var(&m.excludes, "exclude", "--reverse: hide paths matching the gitignore `PATTERN` (repeatable)")
	fs.StringVar(&m.excludeFrom, "exclude-from", "", "--reverse: read exclude patterns from `FILE`")
}

func runMount(e *env, c *command, args []string) error {
	var m mountFlags
	fs := newFlagSet(c)
	m.register(fs)
	e.quietFlag(fs, "print nothing when the mount is up; with -f, log only warnings and errors")
	pos, err := e.parse(c, fs, args, 2, 2)
	if err != nil {
		return err
	}
	if err := m.unlock.check(e, c); err != nil {
		return err
	}
	if err := mount.CheckTransport(m.transport); err != nil {
		return e.usageError(c, "%v", err)
	}
	cipherdir, err1 := filepath.Abs(pos[0])
	mnt, err2 := realMountpoint(pos[1])
	if err := errors.Join(err1, err2); err != nil {
		return fail(exitUsage, err)
	}
	if err := e.checkReverseFlags(c, fs, &m); err != nil {
		return err
	}
	if m.reverse {
		return e.mountReverse(cipherdir, mnt, &m)
	}
	if m.child {
		return e.daemonChild(cipherdir, mnt, &m)
	}
	if err := checkStateDir(); err != nil {
		return err
	}
	if err := e.checkPlacement(cipherdir, mnt); err != nil {
		return err
	}
	if err := checkMountpoint(mnt); err != nil {
		return err
	}
	if m.foreground {
		e.fsLog, e.logPlace = e.logger(m.debug), daemon.LogStderr
	}
	var claim *daemon.VaultLock
	if !m.readOnly {
		if claim, err = claimVault(cipherdir, "mount"); err != nil {
			return err
		}
		defer claim.Release()
	}
	v, key, err := e.unlockVault(cipherdir, &m.unlock, m.readOnly)
	if err != nil {
		return err
	}
	if err := e.checkBeforeMount(v, &m.seal, m.readOnly); err != nil {
		v.Close()
		clear(key)
		return err
	}
	if m.foreground {
		clear(key)
		return e.serve(v, mnt, &m, e.fsLog, nil)
	}
	v.Close()
	claim.Release() // the daemon claims the vault for itself
	defer clear(key)
	return e.spawnDaemon(cipherdir, mnt, &m, key)
}

// checkMountpoint refuses a mountpoint that is missing, not an empty
// directory, or already mounted, and a machine without FUSE.
func checkMountpoint(mnt string) error {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return failf(exitOther, "FUSE is not available: %v", err).
			withHint("install fuse3 and load the fuse kernel module (modprobe fuse)")
	}
	if daemon.IsMounted(mnt) {
		return failf(exitPlainDir, "%s is already mounted", mnt).
			withHint("cofferfs status lists the mounted vaults")
	}
	ents, err := os.ReadDir(mnt)
	if err != nil {
		return failf(exitPlainDir, "mountpoint: %v", err).withHint("create it first: mkdir -p %s", mnt)
	}
	if len(ents) > 0 {
		return failf(exitPlainDir, "mountpoint %s is not empty", mnt)
	}
	var st, parent unix.Stat_t
	if unix.Stat(mnt, &st) == nil && unix.Stat(filepath.Dir(mnt), &parent) == nil && st.Dev != parent.Dev {
		return failf(exitPlainDir, "%s is already a mountpoint", mnt)
	}
	return nil
}

// checkStateDir makes sure the state directory (records and logs of
// mounts) is this user's private directory, and drops the records of
// daemons that are gone.
func checkStateDir() error {
	_, err := daemon.EnsureStateDir()
	var unsafe *daemon.UnsafeStateDirError
	if errors.As(err, &unsafe) {
		return fail(exitOther, err).
			withHint("another user may have created it to redirect or read cofferfs's files; check it and remove it (rm -r %s),", unsafe.Dir).
			withHint("or set XDG_RUNTIME_DIR to a directory only you can write (cofferfs uses $XDG_RUNTIME_DIR/cofferfs)")
	}
	if err != nil {
		return fail(exitOther, fmt.Errorf("state directory: %w", err))
	}
	daemon.CleanStale()
	return nil
}

// daemonArgs are the arguments of the background daemon.
func daemonArgs(cipherdir, mnt string, m *mountFlags) []string {
	args := []string{"mount", "--daemon-child"}
	if m.reverse {
		args = append(args, "--reverse")
		for _, p := range m.excludes {
			args = append(args, "--exclude="+p)
		}
	}
	if m.readOnly {
		args = append(args, "--ro")
	}
	if m.allowOther {
		args = append(args, "--allow-other")
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{m.noXattr, "--noxattr"}, {m.noExec, "--noexec"}, {m.noAtime, "--noatime"}, {m.noDiratime, "--nodiratime"}} {
		if f.on {
			args = append(args, f.name)
		}
	}
	if m.idle > 0 {
		args = append(args, "--idle", m.idle.String())
	}
	if m.transport != "" {
		args = append(args, "--transport", m.transport)
	}
	if m.cacheTTL != mount.DefaultCacheTimeout {
		args = append(args, "--cache-timeout", m.cacheTTL.String())
	}
	return append(args, cipherdir, mnt)
}

// spawnDaemon starts the background daemon, hands it the key and waits
// until its mount is ready.
func (e *env) spawnDaemon(cipherdir, mnt string, m *mountFlags, key []byte) error {
	if err := checkStateDir(); err != nil {
		return err
	}
	secret := crypto.AppendMasterKey(nil, key)
	defer clear(secret)
	err := daemon.Spawn(daemonArgs(cipherdir, mnt, m), secret, daemon.LogFile(mnt))
	var de *daemon.DaemonError
	if errors.As(err, &de) {
		return failf(de.Code, "%s", de.Msg)
	}
	if err != nil {
		return fail(exitOther, err)
	}
	e.infof("mounted %s on %s; lock it with: cofferfs unmount %s", cipherdir, mnt, mnt)
	return nil
}

// daemonChild is the background daemon: it takes the key from its
// parent, mounts, reports readiness and serves until unmounted.
func (e *env) daemonChild(cipherdir, mnt string, m *mountFlags) error {
	secret, err := daemon.ChildSecret()
	if err != nil {
		daemon.ReportReady(err, exitOther)
		return fail(exitOther, err)
	}
	key, err := crypto.ParseMasterKeyBytes(secret)
	clear(secret)
	if err != nil {
		daemon.ReportReady(err, exitMasterKey)
		return fail(exitMasterKey, err)
	}
	var v *vault
	c, err := loadConfig(cipherdir)
	var claimErr error
	if !m.readOnly {
		var claim *daemon.VaultLock
		if claim, claimErr = claimVault(cipherdir, "mount"); claimErr == nil {
			defer claim.Release()
		}
	}
	log, toSyslog := openDaemonLog()
	e.fsLog, e.logPlace = log, daemon.LogFile(mnt)
	if toSyslog {
		e.logPlace = daemon.LogSyslog
	}
	switch {
	case claimErr != nil:
		err = claimErr
	case err == nil:
		v, err = openWithKey(cipherdir, c, key, m.readOnly, log)
	case configLost(cipherdir): // the parent unlocked it with the recovery key
		v, err = e.openLostConfig(cipherdir, key, m.readOnly, !m.readOnly)
	}
	if err == nil {
		clear(key)
		return e.serve(v, mnt, m, log, daemon.ReportReady)
	}
	clear(key)
	return reportFailure(err)
}

// reportFailure tells the parent of a background daemon that it could
// not mount, with err's exit code, and returns err.
func reportFailure(err error) error {
	code := exitOther
	var x *exitError
	if errors.As(err, &x) {
		code = x.code
	}
	daemon.ReportReady(err, code)
	return err
}

// mountError turns a failed mount into an exit error.
func mountError(mnt string, err error, allowOther bool) *exitError {
	if os.Geteuid() != 0 {
		if cause := systemFuse().cause(allowOther); cause != "" {
			return fail(exitOther, fmt.Errorf("cannot mount on %s: %s", mnt, cause)).
				withHint("the mount reported: %v", err)
		}
	}
	return fail(exitOther, fmt.Errorf("mount %s: %w", mnt, err))
}
