package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// statusField returns the column called header of mnt's line in
// "cofferfs status" ("" if mnt is not listed). Columns are cut where the
// header puts them, so a value with spaces ("- (daemon gone)") stays one.
func statusField(c cli, mnt, header string) string {
	c.t.Helper()
	lines := strings.Split(c.must("status"), "\n")
	start := strings.Index(lines[0], header)
	if start < 0 {
		c.t.Fatalf("status has no column %s:\n%s", header, lines[0])
	}
	end := -1 // the last column: to the end of the line
	if i := strings.Index(lines[0][start+len(header):], "  "); i >= 0 {
		rest := lines[0][start+len(header)+i:]
		end = len(lines[0]) - len(strings.TrimLeft(rest, " "))
	}
	for _, line := range lines[1:] {
		if f := strings.Fields(line); len(f) > 0 && f[0] == mnt && len(line) > start {
			if end < 0 || end > len(line) {
				end = len(line)
			}
			return strings.TrimSpace(line[start:end])
		}
	}
	return ""
}

// statusJSON returns mnt's entry in "cofferfs status --json".
func statusJSON(t *testing.T, c cli, mnt string) mountStatus {
	t.Helper()
	var got []mountStatus
	if err := json.Unmarshal([]byte(c.must("status", "--json")), &got); err != nil {
		t.Fatal(err)
	}
	for _, m := range got {
		if m.Mountpoint == mnt {
			return m
		}
	}
	t.Fatalf("status --json does not list %s: %+v", mnt, got)
	return mountStatus{}
}

// TestStatusJSON: status --json lists the mounts as a JSON array, with
// the idle lock as --idle took it, the countdown, the transport and
// where the daemon logs.
func TestStatusJSON(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	c.must("mount", "-q", "--ro", "--idle", "12m", "--passfile", pw, cipher, mnt)
	defer c.run("unmount", "-q", mnt)
	m := statusJSON(t, c, mnt)
	if m.Cipherdir != cipher || !m.ReadOnly || m.Idle != "12m" || m.PID == 0 || m.DaemonGone || m.Transport == "" {
		t.Errorf("status --json: %+v", m)
	}
	if left, err := time.ParseDuration(m.LocksIn); err != nil || left <= 11*time.Minute || left > 12*time.Minute || m.IdleLockAt == nil {
		t.Errorf("locks_in %q, idle_lock_at %v: want just under 12m", m.LocksIn, m.IdleLockAt)
	}
	if m.Log != daemon.LogSyslog && m.Log != daemon.LogFile(mnt) {
		t.Errorf("log %q: want syslog or %s", m.Log, daemon.LogFile(mnt))
	}
	if got := statusField(c, mnt, "LOCKS IN"); got != m.LocksIn && !strings.HasPrefix(got, "11m") {
		t.Errorf("status shows LOCKS IN %q", got)
	}
	if got := statusField(c, mnt, "LOG"); got != m.Log {
		t.Errorf("status shows LOG %q, --json %q", got, m.Log)
	}
}

// TestStatusIdleCountdown: the time left until the idle lock counts from
// the daemon's last request (activity moves it), is "held" while a file
// is open, and a killed daemon shows no countdown at all.
func TestStatusIdleCountdown(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	c.must("mount", "-q", "--idle", "1h", "--passfile", pw, cipher, mnt)
	first := statusJSON(t, c, mnt)
	if first.IdleLockAt == nil {
		t.Fatalf("no idle_lock_at: %+v", first)
	}
	time.Sleep(1100 * time.Millisecond)
	if err := os.WriteFile(filepath.Join(mnt, "f"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, "idle_lock_at to move with the write", func() bool {
		m := statusJSON(t, c, mnt)
		return m.IdleLockAt != nil && m.IdleLockAt.After(*first.IdleLockAt)
	})
	f, err := os.Open(filepath.Join(mnt, "f"))
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, "LOCKS IN held with a file open", func() bool { return statusField(c, mnt, "LOCKS IN") == "held" })
	f.Close()
	waitStatus(t, "the countdown after the close", func() bool {
		_, err := time.ParseDuration(statusField(c, mnt, "LOCKS IN"))
		return err == nil
	})
	pid := daemonPID(t, c, mnt)
	if err := exec.Command("kill", "-9", strconv.Itoa(pid)).Run(); err != nil {
		t.Fatal(err)
	}
	waitExit(pid, 10*time.Second)
	if got, gone := statusField(c, mnt, "LOCKS IN"), statusField(c, mnt, "PID"); got != "-" || gone != "- (daemon gone)" {
		t.Errorf("killed daemon: LOCKS IN %q, PID %q", got, gone)
	}
	if m := statusJSON(t, c, mnt); m.LocksIn != "" || m.IdleLockAt != nil || !m.DaemonGone {
		t.Errorf("killed daemon in --json: %+v", m)
	}
	c.must("unmount", "-q", mnt)
}

// waitStatus polls cond for up to 15 s (the record is brought up to date
// every 2 s).
func waitStatus(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestIdleCountdown: the countdown's cases, from a record.
func TestIdleCountdown(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		st   daemon.State
		want string
	}{
		{daemon.State{}, ""},
		{daemon.State{Idle: "15m"}, ""}, // an older daemon's record
		{daemon.State{Idle: "15m", LastActive: now.Add(-3 * time.Minute)}, "12m"},
		{daemon.State{Idle: "1h30m", LastActive: now.Add(-25*time.Minute - 500*time.Millisecond)}, "1h5m"},
		{daemon.State{Idle: "1m", LastActive: now.Add(-15*time.Second - 200*time.Millisecond)}, "45s"},
		{daemon.State{Idle: "15m", LastActive: now.Add(-20 * time.Minute)}, "due"},
		{daemon.State{Idle: "15m", LastActive: now, OpenFiles: 2}, "held"},
	}
	for _, c := range cases {
		if got, _ := idleCountdown(c.st, now); got != c.want {
			t.Errorf("%+v: %q, want %q", c.st, got, c.want)
		}
	}
}

// TestStatusOtherUser: a mount of another user is listed as such, not
// as one whose daemon is gone.
func TestStatusOtherUser(t *testing.T) {
	m := describeMount(daemon.MountInfo{Mountpoint: "/m", Source: "/c", UID: 1000}, 0, time.Now())
	if !m.OtherUser || m.DaemonGone || m.UID != 1000 {
		t.Errorf("%+v", m)
	}
}

// TestDaemonLogStyle: a background daemon logs (to its log file when
// there is no syslog) one "cofferfs: " line per event, as the
// foreground does, after a time stamp; not slog's key=value records.
func TestDaemonLogStyle(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	c.must("mount", "-q", "--idle", "5m", "--passfile", pw, cipher, mnt)
	where := statusJSON(t, c, mnt).Log
	c.must("unmount", "-q", mnt)
	if where == daemon.LogSyslog {
		return // the lines went to syslog: TestSyslogLogStyle
	}
	if where != daemon.LogFile(mnt) {
		t.Fatalf("status says the daemon logs to %q, not to syslog or %s", where, daemon.LogFile(mnt))
	}
	b, err := os.ReadFile(where)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d cofferfs: \S`)
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !line.MatchString(l) || strings.Contains(l, "level=") || strings.Contains(l, "msg=") {
			t.Errorf("log line not in the cofferfs style: %q", l)
		}
	}
	mustContain(t, "log", string(b), " cofferfs: mounted (cipherdir "+cipher, "idle lock 5m)", " cofferfs: unmounted: vault locked")
}
