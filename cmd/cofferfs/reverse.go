package main

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/reverse"
	"github.com/cofferfs/cofferfs/internal/daemon"
	"github.com/cofferfs/cofferfs/mount"
)

// reverseConfigPath returns the reverse config of a plain directory.
func reverseConfigPath(plain string) string {
	return filepath.Join(plain, crypto.ReverseConfigName)
}

// initReverse writes PLAINDIR/.gocryptfs.reverse.conf with the flags
// gocryptfs -init -reverse writes (AESSIV) and prints the recovery key.
func (e *env) initReverse(plain string, f *initFlags, out *keyOutput) error {
	if f.xchacha {
		return failf(exitUsage, "--xchacha cannot be used with --reverse: reverse mode needs AES-SIV")
	}
	if fi, err := os.Stat(plain); err != nil || !fi.IsDir() {
		return failf(exitCipherDir, "%s is not a directory", plain).withHint("--reverse takes the plain directory to back up")
	}
	path := reverseConfigPath(plain)
	if _, err := os.Lstat(path); err == nil {
		return failf(exitCipherDir, "%s already exists", path).withHint("the directory is already set up for reverse mode")
	}
	pw, err := e.initPassword(f)
	if err != nil {
		return err
	}
	defer clear(pw)
	opts := config.CreateOptions{ScryptLogN: f.scryptN, AESSIV: true,
		LongNameMax: f.longNameMax, Creator: "cofferfs " + programVersion()}
	var conf *config.Config
	var key []byte
	err = e.interruptible(func() (err error) {
		conf, key, err = config.Create(opts, pw)
		return err
	})
	var x *exitError
	if errors.As(err, &x) {
		return err
	}
	if err != nil {
		return fail(exitInit, err)
	}
	defer clear(key)
	if err := config.WriteFile(path, conf); err != nil {
		return fail(exitWriteConf, err)
	}
	if err := out.write(key); err != nil {
		os.Remove(path)
		return failf(exitInit, "the recovery key could not be written to %s: %v", out.name, err).
			withHint("%s was removed again; run init with a working output (e.g. --recovery-key-file FILE)", path)
	}
	e.infof("set up %s for reverse mode (%s, scrypt N=%d)", plain, conf.Algorithm(), conf.Scrypt.N)
	e.announceKey(out.name, f.keyOnly)
	e.infof("mount the encrypted view with: cofferfs mount --reverse %s MOUNTPOINT", plain)
	return nil
}

// excludeFlag collects repeated --exclude patterns.
type excludeFlag []string

func (x *excludeFlag) String() string     { return strings.Join(*x, ",") }
func (x *excludeFlag) Set(s string) error { *x = append(*x, s); return nil }

// reversePatterns returns the --exclude patterns plus the lines of
// --exclude-from.
func (m *mountFlags) reversePatterns() ([]string, error) {
	pats := append([]string(nil), m.excludes...)
	if m.excludeFrom == "" {
		return pats, nil
	}
	b, err := os.ReadFile(m.excludeFrom)
	if err != nil {
		return nil, fail(exitUsage, fmt.Errorf("--exclude-from: %w", err))
	}
	return append(pats, strings.Split(string(b), "\n")...), nil
}

// loadReverseConfig loads and checks the reverse config of plain.
func loadReverseConfig(plain string) (*config.Config, error) {
	c, err := config.Load(reverseConfigPath(plain))
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		return nil, failf(exitCipherDir, "%s is not set up for reverse mode: it has no %s", plain, crypto.ReverseConfigName).
			withHint("set it up with: cofferfs init --reverse %s", plain)
	case err != nil:
		return nil, configError(plain, err)
	case c.Algorithm() != crypto.AESSIV:
		return nil, failf(exitLoadConf, "%s: reverse mode needs the AESSIV flag", reverseConfigPath(plain))
	}
	return c, nil
}

// openReverse opens the view of plain with a known master key.
func openReverse(plain string, c *config.Config, key []byte, pats []string) (*reverse.View, error) {
	v, err := reverse.New(plain, key, reverse.Options{Raw64: c.Raw64(), DirIV: c.DirIV(),
		LongNameMax: c.NameMax(), Exclude: pats})
	if err != nil {
		return nil, fail(exitCipherDir, err)
	}
	return v, nil
}

// mountReverse is "cofferfs mount --reverse PLAINDIR MOUNTPOINT".
func (e *env) mountReverse(plain, mnt string, m *mountFlags) error {
	if m.child {
		return e.reverseDaemonChild(plain, mnt, m)
	}
	if err := checkStateDir(); err != nil {
		return err
	}
	if err := checkReversePlacement(plain, mnt); err != nil {
		return err
	}
	if err := checkMountpoint(mnt); err != nil {
		return err
	}
	c, pats, key, err := e.unlockReverse(plain, m)
	if err != nil {
		return err
	}
	m.excludes, m.excludeFrom, m.readOnly = pats, "", true
	defer clear(key)
	if !m.foreground {
		return e.spawnDaemon(plain, mnt, m, key)
	}
	v, err := openReverse(plain, c, key, pats)
	if err != nil {
		return err
	}
	e.logPlace = daemon.LogStderr
	return e.serveReverse(v, plain, mnt, m, e.logger(m.debug), nil)
}

// unlockReverse reads what a reverse view of plain needs: the exclusion
// patterns (from --exclude and --exclude-from), the reverse config, and
// the master key, which the caller clears.
func (e *env) unlockReverse(plain string, m *mountFlags) (*config.Config, []string, []byte, error) {
	pats, err := m.reversePatterns()
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := loadReverseConfig(plain)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := e.masterKey(c, &m.unlock)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, pats, key, nil
}

// reverseDaemonChild is the background daemon of a reverse mount.
func (e *env) reverseDaemonChild(plain, mnt string, m *mountFlags) error {
	secret, err := daemon.ChildSecret()
	if err != nil {
		daemon.ReportReady(err, exitOther)
		return fail(exitOther, err)
	}
	key, err := crypto.ParseMasterKey(string(secret))
	clear(secret)
	if err != nil {
		daemon.ReportReady(err, exitMasterKey)
		return fail(exitMasterKey, err)
	}
	defer clear(key)
	log, toSyslog := openDaemonLog()
	e.logPlace = daemon.LogFile(mnt)
	if toSyslog {
		e.logPlace = daemon.LogSyslog
	}
	c, err := loadReverseConfig(plain)
	var v *reverse.View
	if err == nil {
		v, err = openReverse(plain, c, key, m.excludes)
	}
	if err != nil {
		return reportFailure(err)
	}
	return e.serveReverse(v, plain, mnt, m, log, daemon.ReportReady)
}

// reverseOptions are the mount options of a reverse view.
func reverseOptions(plain string, m *mountFlags, log *slog.Logger) mount.Options {
	return mount.Options{FsName: plain, AllowOther: m.allowOther, NoExec: m.noExec, NoAtime: m.noAtime,
		NoDiratime: m.noDiratime, NoXattr: m.noXattr, Debug: m.debug, Logger: log, Transport: m.transport}
}

// reverseState is the status record of a reverse view.
func (e *env) reverseState(plain, mnt string, srv *mount.ReverseServer, idle time.Duration) daemon.State {
	st := daemon.State{Cipherdir: plain, Mountpoint: mnt, ReadOnly: true, Reverse: true, PID: os.Getpid(),
		Started: time.Now().UTC(), Transport: srv.Transport(), Log: e.logPlace}
	if idle > 0 {
		st.Idle = formatDuration(idle)
	}
	return st
}

// reversePoll is recordMount's poll of a reverse view: with an idle
// lock, its activity.
func reversePoll(srv *mount.ReverseServer) func(*daemon.State) {
	return func(st *daemon.State) {
		if st.Idle != "" {
			st.LastActive, st.OpenFiles = lastActive(srv.Idle), srv.OpenFiles()
		}
	}
}

// serveReverse mounts the view and serves it until it is unmounted (by
// "cofferfs unmount" or the idle lock) or SIGINT/SIGTERM arrives.
func (e *env) serveReverse(v *reverse.View, plain, mnt string, m *mountFlags, log *slog.Logger, ready func(error, int)) error {
	defer v.Close()
	survivePipe()
	srv, err := mount.MountReverse(v, mnt, reverseOptions(plain, m, log))
	if err != nil {
		x := mountError(mnt, err, m.allowOther)
		if ready != nil {
			ready(x, x.code)
		}
		return x
	}
	st := e.reverseState(plain, mnt, srv, m.idle)
	defer recordMount(st, log, reversePoll(srv))()
	attrs := []any{"plaindir", plain, "mountpoint", mnt, "transport", st.Transport}
	if m.idle > 0 {
		attrs = append(attrs, "idle lock", m.idle)
	}
	log.Info("mounted reverse view", attrs...)
	if ready != nil {
		ready(nil, 0)
	}
	if err := daemon.NotifyReady("mounted the reverse view of " + plain + " on " + mnt); err != nil {
		log.Warn("sd_notify failed", "err", err)
	}
	if m.idle > 0 {
		go srv.IdleLock(e.ctx, m.idle)
	}
	done := make(chan struct{})
	defer close(done)
	go e.unmountOnSignal(srv, mnt, log, done)
	srv.Wait()
	daemon.NotifyStopping()
	log.Info("unmounted", "mountpoint", mnt)
	return nil
}
