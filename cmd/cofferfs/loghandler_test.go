package main

import (
	"bytes"
	"errors"
	"log/slog"
	"log/syslog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestForegroundLogStyle: under -f the daemon logs in the "cofferfs:"
// style of the other messages, not as slog key=value records.
func TestForegroundLogStyle(t *testing.T) {
	var buf bytes.Buffer
	e := &env{stderr: &buf}
	log := e.logger(false)
	log.Info("mounted", "mountpoint", "/m", "readonly", false)
	log.With("mountpoint", "/m").Warn("mount busy: detaching lazily", "err", errors.New("device busy"))
	log.Error("unmount failed", "err", errors.New("x\x1by"))
	log.Debug("not shown")
	want := "cofferfs: mounted (mountpoint /m, readonly false)\n" +
		"cofferfs: warning: mount busy: detaching lazily (mountpoint /m, err device busy)\n" +
		"cofferfs: error: unmount failed (err \"x\\x1by\")\n"
	if buf.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestFileLogStyle: the log file of a background daemon (no syslog) has
// the same lines after a time stamp; durations print as --idle takes
// them, not as Go's 15m0s.
func TestFileLogStyle(t *testing.T) {
	var buf bytes.Buffer
	now := func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.Local) }
	log := slog.New(newFileLineHandler(&buf, slog.LevelInfo, now))
	log.Info("mounted", "mountpoint", "/m\n", "idle lock", 15*time.Minute)
	log.Warn("sd_notify failed", "err", errors.New("no socket"))
	want := "2025-03-04 05:06:07 cofferfs: mounted (mountpoint \"/m\\n\", idle lock 15m)\n" +
		"2025-03-04 05:06:07 cofferfs: warning: sd_notify failed (err no socket)\n"
	if buf.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestSyslogLogStyle: to syslog the lines go without the "cofferfs: "
// prefix (the tag says it) at the priority of their level, control
// characters escaped.
func TestSyslogLogStyle(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w, err := syslog.Dial("unixgram", sock, syslog.LOG_DAEMON|syslog.LOG_INFO, "cofferfs")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	log := slog.New(newSyslogLineHandler(w, slog.LevelInfo))
	log.Info("mounted", "mountpoint", "/m\x1b[2J")
	log.Warn("mount busy: detaching lazily", "idle lock", 90*time.Second)
	log.Error("unmount failed", "err", errors.New("EIO"))
	log.Debug("not shown")
	// <facility*8+severity>: daemon is 3; info 6, warning 4, err 3.
	buf := make([]byte, 4096)
	wants := []struct{ prio, text string }{
		{"<30>", `]: mounted (mountpoint "/m\x1b[2J")`},
		{"<28>", "]: warning: mount busy: detaching lazily (idle lock 1m30s)"},
		{"<27>", "]: error: unmount failed (err EIO)"},
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, want := range wants {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.TrimSpace(string(buf[:n]))
		if !strings.HasPrefix(got, want.prio) || !strings.HasSuffix(got, want.text) || strings.Contains(got, "]: cofferfs: ") {
			t.Errorf("syslog got %q, want %s…%s", got, want.prio, want.text)
		}
	}
}
