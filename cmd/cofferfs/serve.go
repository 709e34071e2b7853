package main

import (
	"errors"
	"log/slog"
	"log/syslog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/internal/daemon"
	"github.com/cofferfs/cofferfs/mount"
	vlt "github.com/cofferfs/cofferfs/vault"
)

// openWithKey opens a vault whose master key is already known.
func openWithKey(dir string, c *config.Config, key []byte, readOnly bool, log *slog.Logger) (*vault, error) {
	fsys, err := vlt.OpenConfig(dir, c, key, vlt.Options{ReadOnly: readOnly, Logger: log})
	if err != nil {
		return nil, fail(exitCipherDir, err)
	}
	return &vault{dir: dir, conf: c, fs: fsys, seal: crypto.DeriveSealKeys(key)}, nil
}

// serve mounts v on mnt and serves it until it is unmounted, by
// "cofferfs unmount", the idle lock, or SIGINT/SIGTERM (which unmount,
// detaching lazily if the mount is busy). ready, if set, is told when the
// mount is up or why it failed.
func (e *env) serve(v *vault, mnt string, m *mountFlags, log *slog.Logger, ready func(error, int)) error {
	defer v.Close()
	ttl := m.cacheTTL
	if ttl == 0 {
		ttl = -1 // no caching (mount.Options: 0 is the default)
	}
	survivePipe()
	own, stopOwn := recordOwnChanges(v)
	srv, err := mount.Mount(v.fs, mnt, mount.Options{FsName: v.dir, ReadOnly: m.readOnly,
		AllowOther: m.allowOther, NoXattr: m.noXattr, NoExec: m.noExec, NoAtime: m.noAtime,
		NoDiratime: m.noDiratime, CacheTimeout: ttl, Debug: m.debug, Logger: log, Transport: m.transport})
	if err != nil {
		stopOwn()
		x := mountError(mnt, err, m.allowOther)
		if ready != nil {
			ready(x, x.code)
		}
		return x
	}
	sealer := startSealing(v, log, own, stopOwn) // sealmanifest.go
	defer sealer.stop()                          // seals after the unmount
	st := daemon.State{Cipherdir: v.dir, Mountpoint: mnt, ReadOnly: m.readOnly,
		PID: os.Getpid(), Started: time.Now().UTC(), Transport: srv.Transport(), Log: e.logPlace}
	if m.idle > 0 {
		st.Idle = formatDuration(m.idle)
	}
	defer recordMount(st, log, forwardPoll(srv, v.fs, sealer.changed))()
	attrs := []any{"cipherdir", v.dir, "mountpoint", mnt, "readonly", m.readOnly, "transport", st.Transport}
	if m.idle > 0 {
		attrs = append(attrs, "idle lock", m.idle)
	}
	log.Info("mounted", attrs...)
	if ready != nil {
		ready(nil, 0)
	}
	if err := daemon.NotifyReady("mounted " + v.dir + " on " + mnt); err != nil {
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
	log.Info("unmounted: vault locked", "mountpoint", mnt)
	return nil
}

// hiddenInterval is how often a mount's state record is brought up to
// date with the number of entries its listings hide.
const hiddenInterval = 2 * time.Second

// recordMount writes the state record of a mount for cofferfs status and
// keeps it current: every few seconds poll brings the changing fields of
// a copy of st up to date (hidden entries, entries that differ from the
// sealed manifest, the idle lock's last activity and open files). The
// function it returns stops that and removes the record.
func recordMount(st daemon.State, log *slog.Logger, poll func(*daemon.State)) (stop func()) {
	poll(&st)
	remove, err := daemon.WriteState(st)
	if err != nil {
		log.Warn("cannot record the mount for cofferfs status", "err", err)
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(hiddenInterval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			now := st
			poll(&now)
			if now != st {
				st = now
				if _, err := daemon.WriteState(st); err != nil {
					log.Warn("cannot update the mount record for cofferfs status", "err", err)
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-done
		remove()
	}
}

// forwardPoll is recordMount's poll of a vault mount: hidden entries,
// changes against the sealed manifest, and with an idle lock the
// activity.
func forwardPoll(srv *mount.Server, fsys *fs.FS, changed func() string) func(*daemon.State) {
	first := true
	return func(st *daemon.State) {
		if !first { // the first record is written before the counts are known
			st.Hidden, st.Changed = fsys.Hidden(), changed()
		}
		first = false
		if st.Idle != "" {
			st.LastActive, st.OpenFiles = lastActive(srv.Idle), fsys.OpenFiles()
		}
	}
}

// lastActive returns when a mount last served a request (to the
// second), from its Idle.
func lastActive(idle func() (time.Duration, bool)) time.Time {
	quiet, _ := idle()
	return time.Now().Add(-quiet).UTC().Truncate(time.Second)
}

// survivePipe keeps a broken log pipe (mount -f | head, the reader gone)
// from killing the daemon with SIGPIPE, which would leave a dead mount:
// log lines are lost then, the mount is not. Unlike an ignored signal, a
// caught one is reset to its default in programs the process starts.
func survivePipe() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}

// unmountOnSignal unmounts when the context ends (SIGINT/SIGTERM),
// unless done is closed first (the mount went away by itself).
func (e *env) unmountOnSignal(srv unmounter, mnt string, log *slog.Logger, done <-chan struct{}) {
	select {
	case <-e.ctx.Done():
	case <-done:
		return
	}
	log.Info("signal: unmounting", "mountpoint", mnt)
	if err := srv.Unmount(); err != nil {
		log.Warn("mount busy: detaching lazily", "mountpoint", mnt, "err", err)
		if err := daemon.Unmount(mnt, true); err != nil && !errors.Is(err, daemon.ErrNotMounted) {
			log.Error("unmount failed", "err", err)
		}
	}
}

// logger returns the foreground logger (stderr).
func (e *env) logger(debug bool) *slog.Logger {
	level := slog.LevelInfo
	switch {
	case debug:
		level = slog.LevelDebug
	case e.quiet:
		level = slog.LevelWarn
	}
	return slog.New(newLineHandler(e.stderr, level))
}

// openDaemonLog returns the background daemon's logger: syslog, or
// stderr (the daemon's log file in the state directory) when no syslog
// daemon listens, in the style of the foreground log (lineHandler);
// toSyslog tells where it logs.
func openDaemonLog() (log *slog.Logger, toSyslog bool) {
	if w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, "cofferfs"); err == nil {
		return slog.New(newSyslogLineHandler(w, slog.LevelInfo)), true
	}
	return slog.New(newFileLineHandler(os.Stderr, slog.LevelInfo, time.Now)), false
}

// waitExit waits up to d for process pid to exit. A zombie counts as
// exited: its parent (often init in a container) may reap it late.
func waitExit(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !daemon.Alive(pid) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
