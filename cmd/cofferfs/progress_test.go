package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cofferfs/cofferfs/fs/transfer"
)

// fakeBar returns a bar on out with a settable clock and width.
func fakeBar(out *bytes.Buffer, width int) (*progressBar, *time.Time) {
	b := newProgressBar(out)
	now := b.start
	b.now = func() time.Time { return now }
	b.width = func() int { return width }
	return b, &now
}

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	b, now := fakeBar(&out, 120)
	b.update(transfer.Progress{Counting: true, TotalFiles: 7, TotalBytes: 3 << 20})
	if want := "\rcounting… 7 files, 3.0 MiB\x1b[K"; out.String() != want {
		t.Errorf("counting:\n%q\nwant:\n%q", out.String(), want)
	}
	out.Reset()
	*now = now.Add(time.Second) // the copy starts after a second of counting
	p := transfer.Progress{Files: 3, TotalFiles: 10, Bytes: 50 << 20, TotalBytes: 200 << 20}
	b.update(transfer.Progress{TotalFiles: 10, TotalBytes: 200 << 20})
	out.Reset()
	*now = now.Add(10 * time.Second)
	b.update(p)
	want := "\r[======                  ]  25%  3/10 files  50.0 MiB/200.0 MiB  5.0 MiB/s  ETA 30s\x1b[K"
	if out.String() != want {
		t.Errorf("bar:\n%q\nwant:\n%q", out.String(), want)
	}
	out.Reset()
	*now = now.Add(redrawInterval / 2)
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
	got := b.render(transfer.Progress{Files: 0, TotalFiles: 0}, 0, 100)
	if !strings.Contains(got, "100%") || strings.Contains(got, "ETA") {
		t.Errorf("empty transfer: %q", got)
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 30: "5.0 GiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestProgressBarETA: no ETA from the first moments of a copy, which
// would be absurd (ETA 27405h36m40s), only once enough time has passed
// and enough is done.
func TestProgressBarETA(t *testing.T) {
	p := transfer.Progress{Files: 0, TotalFiles: 100, Bytes: 4 << 10, TotalBytes: 420 << 20}
	for _, elapsed := range []time.Duration{time.Millisecond, 500 * time.Millisecond, 2 * time.Second} {
		var out bytes.Buffer
		b, _ := fakeBar(&out, 200)
		if got := b.render(p, elapsed, 199); strings.Contains(got, "ETA") {
			t.Errorf("after %v with 4 KiB of 420 MiB: %q", elapsed, got)
		}
	}
	p.Bytes = 42 << 20
	var out bytes.Buffer
	b, _ := fakeBar(&out, 200)
	if got := b.render(p, 10*time.Second, 199); !strings.Contains(got, "ETA 1m30s") {
		t.Errorf("after 10 s with 10%%: %q", got)
	}
}

// TestProgressBarWidth: the line fits every width (one column is left
// free so that the terminal never wraps), and fields are dropped in
// order as it narrows.
func TestProgressBarWidth(t *testing.T) {
	p := transfer.Progress{Files: 123456, TotalFiles: 999999, Bytes: 500 << 30, TotalBytes: 1000 << 30}
	var out bytes.Buffer
	b, _ := fakeBar(&out, 80)
	for w := 1; w <= 200; w++ {
		got := b.render(p, time.Hour, w-1)
		if n := utf8.RuneCountInString(got); n > w-1 {
			t.Errorf("width %d: %d characters: %q", w, n, got)
		}
	}
	for w, want := range map[int][]string{
		80: {"[", "50%", "500.0 GiB/1000.0 GiB", "/s", "ETA 1h"},
		40: {"50%", "500.0 GiB/1000.0 GiB"},
		10: {"50%"},
	} {
		mustContain(t, "width "+strconv.Itoa(w), b.render(p, time.Hour, w-1), want...)
	}
	p.Counting = true
	if got := b.render(p, 0, 39); utf8.RuneCountInString(got) > 39 || !strings.HasPrefix(got, "counting…") {
		t.Errorf("counting at width 40: %q", got)
	}
}
