package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/fs/fsck"
	"github.com/cofferfs/cofferfs/fs/transfer"
)

// progressBar draws a one-line progress report on a terminal: a bar,
// files, bytes, rate and time left. It redraws at most every interval,
// always as "\r" + text + clear-to-end-of-line, and makes the text fit
// the terminal's current width minus one column (so that it never
// wraps), dropping fields as the terminal narrows. While the source is
// counted it shows what was found so far. Messages clear it first
// (env.printf).
type progressBar struct {
	w     io.Writer
	start time.Time // when the copy (not the counting) started
	last  time.Time
	shown bool
	began bool // whether the copy has started
	now   func() time.Time
	width func() int // the terminal's width in columns
}

// redrawInterval bounds how often the bar is redrawn.
const redrawInterval = 100 * time.Millisecond

// barWidth and minBarWidth bound the width of the bar itself.
const (
	barWidth    = 24
	minBarWidth = 8
)

// etaAfter and etaMinShare say when the time left is worth showing: an
// estimate from the first moments of a copy is noise.
const (
	etaAfter    = 3 * time.Second
	etaMinShare = 0.01
)

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w, now: time.Now, width: terminalWidth(w)}
	b.start = b.now()
	return b
}

// terminalWidth returns a function that reads the width of the terminal
// w (TIOCGWINSZ, so a resize is seen at the next redraw), or 80.
func terminalWidth(w io.Writer) func() int {
	f, ok := w.(*os.File)
	return func() int {
		if ok {
			ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
			if err == nil && ws.Col > 0 {
				return int(ws.Col)
			}
		}
		return 80
	}
}

// fsckProgress turns a progress report of fsck into one the bar draws.
func fsckProgress(p fsck.Progress) transfer.Progress {
	return transfer.Progress{Files: p.Files, Bytes: p.Bytes, TotalFiles: p.TotalFiles, TotalBytes: p.TotalBytes}
}

// update redraws the bar if the last drawing is old enough; the first
// report is drawn at once.
func (b *progressBar) update(p transfer.Progress) {
	now := b.now()
	if !p.Counting && !b.began {
		b.began, b.start = true, now
	}
	if b.shown && now.Sub(b.last) < redrawInterval {
		return
	}
	b.last = now
	b.shown = true
	fmt.Fprintf(b.w, "\r%s\x1b[K", b.render(p, now.Sub(b.start), b.width()-1))
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

// render returns the text of the bar, at most width characters, after
// elapsed time of copying.
func (b *progressBar) render(p transfer.Progress, elapsed time.Duration, width int) string {
	if p.Counting {
		return fit(fmt.Sprintf("counting… %s, %s", formatCount(p.TotalFiles, "file"), formatBytes(p.TotalBytes)), width)
	}
	frac := fraction(p)
	pct := fmt.Sprintf("%3.0f%%", frac*100)
	files := fmt.Sprintf("%d/%d files", p.Files, p.TotalFiles)
	size := formatBytes(p.Bytes) + "/" + formatBytes(p.TotalBytes)
	rate, eta := "", ""
	if secs := elapsed.Seconds(); secs > 0 {
		r := float64(p.Bytes) / secs
		rate = formatBytes(int64(r)) + "/s"
		if elapsed >= etaAfter && frac >= etaMinShare && r > 0 && p.TotalBytes >= p.Bytes {
			eta = "ETA " + formatDuration(time.Duration(float64(p.TotalBytes-p.Bytes)/r*float64(time.Second)).Round(time.Second))
		}
	}
	// From the richest layout to the poorest; the first that fits wins.
	for _, fields := range [][]string{
		{pct, files, size, rate, eta},
		{pct, size, rate, eta},
		{pct, size, eta},
		{pct, size},
	} {
		text := join(fields)
		if bw := min(barWidth, width-utf8.RuneCountInString(text)-3); bw >= minBarWidth {
			return drawBar(frac, bw) + " " + text
		}
	}
	for _, fields := range [][]string{{pct, size, eta}, {pct, size}, {pct, eta}} {
		if text := join(fields); utf8.RuneCountInString(text) <= width {
			return text
		}
	}
	return fit(strings.TrimSpace(pct), width)
}

// drawBar returns "[===   ]" with width characters inside the brackets.
func drawBar(frac float64, width int) string {
	filled := int(frac * float64(width))
	return "[" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "]"
}

// join joins the non-empty fields with two spaces.
func join(fields []string) string {
	var out []string
	for _, f := range fields {
		if f != "" {
			out = append(out, f)
		}
	}
	return strings.Join(out, "  ")
}

// fit cuts s to at most width characters.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	return string([]rune(s)[:width])
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
