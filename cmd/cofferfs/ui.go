package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"
)

// env is what a command runs with: its standard streams, the command
// table, and a context that SIGINT and SIGTERM cancel. Every command that
// can block for long watches it (the password prompt, extpass, export,
// import, cat, a mount), and ends with exit code 15 when it is cancelled.
type env struct {
	ctx      context.Context
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	commands []*command
	bar      *progressBar // the progress bar on stderr, if one is drawn
	fsLog    *slog.Logger // given to the vaults a mount opens (hidden entries)
	// logPlace is where fsLog writes, for the mount's state record:
	// daemon.LogStderr, daemon.LogSyslog or the daemon's log file.
	logPlace string
	// quiet is set by a command's -q (quiet.go): infof prints nothing
	// and no progress bar is drawn; errors, warnings and hints stay.
	quiet bool
	// onHelp, if set, receives the flags of a command asked for its
	// help instead of the help being printed (see commandFlags).
	onHelp func(fs *flag.FlagSet)
}

// exitError is an error that ends the program with a given exit code,
// with optional hints printed after the error line.
type exitError struct {
	code  int
	err   error // nil for an exit without a message
	hints []string
}

// Error implements error.
func (x *exitError) Error() string {
	if x.err == nil {
		return fmt.Sprintf("exit status %d", x.code)
	}
	return x.err.Error()
}

// Unwrap returns the underlying error.
func (x *exitError) Unwrap() error { return x.err }

// fail returns an exitError with a code, an error and hints.
func fail(code int, err error, hints ...string) *exitError {
	return &exitError{code: code, err: err, hints: hints}
}

// failf returns an exitError with a formatted message.
func failf(code int, format string, args ...any) *exitError {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// withHint adds a hint to an exitError.
func (x *exitError) withHint(format string, args ...any) *exitError {
	x.hints = append(x.hints, fmt.Sprintf(format, args...))
	return x
}

// errQuiet ends a command with exit code 0 and no message (after help).
var errQuiet = &exitError{code: exitOK}

// exit prints err as the rules in doc.go say and returns its exit code.
func (e *env) exit(err error) int {
	if err == nil {
		return exitOK
	}
	var x *exitError
	if !errors.As(err, &x) {
		x = fail(exitOther, err)
		if errors.Is(err, context.Canceled) {
			x = failf(exitSigInt, "interrupted")
		}
	}
	if x.err != nil {
		e.errorf("%v", x.err)
	}
	for _, h := range x.hints {
		e.hintf("%s", h)
	}
	return x.code
}

// errorf prints "cofferfs: error: ..." on stderr.
func (e *env) errorf(format string, args ...any) { e.printf("error: ", format, args...) }

// warnf prints "cofferfs: warning: ..." on stderr.
func (e *env) warnf(format string, args ...any) { e.printf("warning: ", format, args...) }

// hintf prints "cofferfs: hint: ..." on stderr.
func (e *env) hintf(format string, args ...any) { e.printf("hint: ", format, args...) }

// infof prints "cofferfs: ..." on stderr: progress notes and summaries,
// which -q turns off.
func (e *env) infof(format string, args ...any) {
	if !e.quiet {
		e.printf("", format, args...)
	}
}

// detailf prints "cofferfs: ..." on stderr as a continuation of the
// warning or error before it (a list of processes): -q keeps it.
func (e *env) detailf(format string, args ...any) { e.printf("", format, args...) }

func (e *env) printf(kind, format string, args ...any) {
	e.bar.clear()
	msg := escapeControls(strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
	fmt.Fprintf(e.stderr, "cofferfs: %s%s\n", kind, msg)
}

// isTerminal reports whether a stream is a terminal.
func isTerminal(s any) bool {
	f, ok := s.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
