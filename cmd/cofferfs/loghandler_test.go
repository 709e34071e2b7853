package main

import (
	"bytes"
	"errors"
	"testing"
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
