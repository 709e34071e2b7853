package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cofferfs/cofferfs/fs/transfer"
)

// progressBar draws a one-line progress report on a terminal: a bar,
// files, bytes, rate and time left. It redraws at most every interval;
// messages clear it first (env.printf).
type progressBar struct {
	w     io.Writer
	start time.Time
	last  time.Time
	shown bool
	now   func() time.Time
}

// redrawInterval bounds how often the bar is redrawn.
const redrawInterval = 100 * time.Millisecond

// barWidth is the width of the bar itself, in characters.
const barWidth = 24

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w, now: time.Now}
	b.start = b.now()
	return b
}

// update redraws the bar if the last drawing is old enough.
func (b *progressBar) update(p transfer.Progress) {
	now := b.now()
	if b.shown && now.Sub(b.last) < redrawInterval {
		return
	}
	b.last = now
	b.shown = true
	fmt.Fprintf(b.w, "\r%s\x1b[K", b.render(p, now.Sub(b.start)))
}

// clear erases the bar so that a message can take the line; the next
// update draws it again. A nil bar does nothing.
func (b *progressBar) clear() {
	if b == nil || !b.shown {
		return
	}
	fmt.Fprint(b.w, "\r\x1b[K")
	b.shown = false
}

// render returns the text of the bar after elapsed time.
func (b *progressBar) render(p transfer.Progress, elapsed time.Duration) string {
	frac := fraction(p)
	filled := int(frac * barWidth)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled)
	rate := 0.0
	if secs := elapsed.Seconds(); secs > 0 {
		rate = float64(p.Bytes) / secs
	}
	eta := "--:--"
	if rate > 0 && p.TotalBytes >= p.Bytes {
		eta = formatDuration(time.Duration(float64(p.TotalBytes-p.Bytes) / rate * float64(time.Second)))
	}
	return fmt.Sprintf("[%s] %3.0f%%  %d/%d files  %s/%s  %s/s  ETA %s",
		bar, frac*100, p.Files, p.TotalFiles, formatBytes(p.Bytes), formatBytes(p.TotalBytes),
		formatBytes(int64(rate)), eta)
}

// fraction is the share done: by bytes if there are any, else by files.
func fraction(p transfer.Progress) float64 {
	var f float64
	switch {
	case p.TotalBytes > 0:
		f = float64(p.Bytes) / float64(p.TotalBytes)
	case p.TotalFiles > 0:
		f = float64(p.Files) / float64(p.TotalFiles)
	default:
		return 1
	}
	return min(max(f, 0), 1)
}

// formatBytes renders a byte count with a binary unit.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// formatDuration renders a duration as h:mm:ss or m:ss.
func formatDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
