package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/fs/transfer"
)

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	b := newProgressBar(&out)
	now := b.start
	b.now = func() time.Time { return now }
	p := transfer.Progress{Files: 3, TotalFiles: 10, Bytes: 50 << 20, TotalBytes: 200 << 20}
	now = now.Add(10 * time.Second)
	b.update(p)
	want := "\r[======                  ]  25%  3/10 files  50.0 MiB/200.0 MiB  5.0 MiB/s  ETA 0:30\x1b[K"
	if out.String() != want {
		t.Errorf("bar:\n%q\nwant:\n%q", out.String(), want)
	}
	out.Reset()
	now = now.Add(redrawInterval / 2)
	b.update(p)
	if out.Len() != 0 {
		t.Errorf("redrawn too soon: %q", out.String())
	}
	e := &env{stderr: &out, bar: b}
	e.warnf("careful") // clears the bar first
	e.warnf("again")   // the bar is already gone
	if out.String() != "\r\x1b[Kcofferfs: warning: careful\ncofferfs: warning: again\n" {
		t.Errorf("messages over the bar: %q", out.String())
	}
	got := b.render(transfer.Progress{Files: 0, TotalFiles: 0}, 0)
	if !strings.Contains(got, "100%") || !strings.Contains(got, "ETA --:--") {
		t.Errorf("empty transfer: %q", got)
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 30: "5.0 GiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	if got := formatDuration(3723 * time.Second); got != "1:02:03" {
		t.Errorf("formatDuration = %q", got)
	}
}
