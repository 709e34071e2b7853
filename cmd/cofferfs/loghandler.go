package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"strings"
	"sync"
	"time"
)

// lineHandler is the slog handler of every cofferfs log: each record is
// one line in the style of the other messages, "[warning: | error: ]
// MESSAGE (key value, ...)", with names and values made safe for the
// terminal as displayName does and durations written as the flags take
// them (formatDuration). Its sink puts the line out: on stderr after
// "cofferfs: " (a foreground mount, run), in a log file after a time
// stamp, or to syslog at the record's priority (a background daemon).
type lineHandler struct {
	mu    *sync.Mutex
	sink  func(level slog.Level, line string) error
	level slog.Level
	attrs []slog.Attr
}

// newLineHandler returns a lineHandler writing records of level or above
// to w as "cofferfs: LINE".
func newLineHandler(w io.Writer, level slog.Level) *lineHandler {
	return &lineHandler{mu: new(sync.Mutex), level: level, sink: func(_ slog.Level, line string) error {
		_, err := io.WriteString(w, "cofferfs: "+line+"\n")
		return err
	}}
}

// newFileLineHandler is newLineHandler for a log file: each line starts
// with the local time, "2006-01-02 15:04:05 cofferfs: LINE".
func newFileLineHandler(w io.Writer, level slog.Level, now func() time.Time) *lineHandler {
	return &lineHandler{mu: new(sync.Mutex), level: level, sink: func(_ slog.Level, line string) error {
		_, err := io.WriteString(w, now().Format(time.DateTime)+" cofferfs: "+line+"\n")
		return err
	}}
}

// newSyslogLineHandler sends the lines to syslog, whose tag ("cofferfs")
// takes the place of the "cofferfs: " prefix, at the priority of each
// record's level.
func newSyslogLineHandler(w *syslog.Writer, level slog.Level) *lineHandler {
	return &lineHandler{mu: new(sync.Mutex), level: level, sink: func(l slog.Level, line string) error {
		switch {
		case l >= slog.LevelError:
			return w.Err(line)
		case l >= slog.LevelWarn:
			return w.Warning(line)
		case l >= slog.LevelInfo:
			return w.Info(line)
		}
		return w.Debug(line)
	}}
}

// Enabled implements slog.Handler.
func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

// Handle implements slog.Handler.
func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	}
	b.WriteString(displayName(r.Message))
	parts := make([]string, 0, len(h.attrs)+r.NumAttrs())
	add := func(a slog.Attr) bool {
		parts = append(parts, a.Key+" "+displayName(logValue(a.Value)))
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sink(r.Level, b.String())
}

// logValue renders an attribute's value; durations as everywhere else.
func logValue(v slog.Value) string {
	v = v.Resolve()
	if v.Kind() == slog.KindDuration {
		return formatDuration(v.Duration())
	}
	return v.String()
}

// WithAttrs implements slog.Handler.
func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &h2
}

// WithGroup implements slog.Handler; groups are not shown.
func (h *lineHandler) WithGroup(string) slog.Handler { return h }
