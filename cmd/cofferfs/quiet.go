package main

import "flag"

// -q works as in restic and rsync: it drops what a command says about
// its work (progress bars, summaries, notes such as "mounted … lock it
// with") and never its result (on stdout, or the recovery key of init)
// nor errors, warnings and hints. infof is what it turns off.

// quietFlag adds -q to fs, setting e.quiet; usage says what it drops
// for this command.
func (e *env) quietFlag(fs *flag.FlagSet, usage string) {
	fs.BoolVar(&e.quiet, "q", false, usage)
}

// showProgress reports whether a progress bar is drawn: on a terminal,
// unless -q or noProgress (--no-progress, --json).
func (e *env) showProgress(noProgress bool) bool {
	return !e.quiet && !noProgress && isTerminal(e.stderr)
}
