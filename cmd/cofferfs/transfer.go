package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cofferfs/cofferfs/fs/transfer"
)

// transferFlags are the flags shared by export and import.
type transferFlags struct {
	unlock     unlockFlags
	sub        string
	force      bool
	update     bool
	delete     bool
	noProgress bool
	keepSetID  bool // export only
}

// register adds the shared flags; what is "into" or "from" for --path.
func (f *transferFlags) register(e *env, fs *flag.FlagSet, pathUsage string) {
	f.unlock.register(fs)
	fs.StringVar(&f.sub, "path", "", pathUsage)
	fs.BoolVar(&f.force, "force", false, "write over existing entries (directories are merged)")
	e.quietFlag(fs, "print no progress bar and no summary (problems and warnings still)")
	fs.BoolVar(&f.noProgress, "no-progress", false, "print no progress bar")
}

// registerUpdate adds import's --update and --delete.
func (f *transferFlags) registerUpdate(fs *flag.FlagSet) {
	fs.BoolVar(&f.update, "update", false, "skip files whose size and modification time match the vault's; replace the others")
	fs.BoolVar(&f.delete, "delete", false, "with --update: delete vault entries that are gone from the source")
}

// options returns the transfer options: owners and devices are kept when
// running as root; problems are printed as they come; a progress bar is
// drawn when stderr is a terminal.
func (e *env) transferOptions(f *transferFlags, cipherDir string) transfer.Options {
	root := os.Geteuid() == 0
	opts := transfer.Options{Force: f.force, Update: f.update, Delete: f.delete, Owners: root, Devices: root, KeepSetID: f.keepSetID,
		OnProblem: func(p *transfer.EntryError) { e.reportEntry(cipherDir, p) }}
	if e.showProgress(f.noProgress) {
		e.bar = newProgressBar(e.stderr)
		opts.OnProgress = e.bar.update
	}
	return opts
}

// runTransfer runs do (an export or import) and turns its outcome into a
// summary and an exit code.
func (e *env) runTransfer(f *transferFlags, verb string, do func(context.Context) (transfer.Stats, error)) error {
	start := time.Now()
	st, err := do(e.ctx)
	e.bar.clear()
	e.bar = nil
	if err != nil {
		return transferError(err)
	}
	e.summary(f, verb, st, time.Since(start))
	switch {
	case st.Corrupt > 0:
		return corruptSummary(st.Corrupt)
	case st.Failed > 0:
		return failf(exitOther, "%s could not be %s (see above)", formatCount(int64(st.Failed), "entry"), verb)
	}
	return nil
}

// transferError classifies a fatal error of Export or Import.
func transferError(err error) error {
	var conflict *transfer.ConflictError
	err = trimPrefixError(err, "transfer: ")
	switch {
	case errors.Is(err, context.Canceled):
		return failf(exitSigInt, "interrupted; the destination holds what was done so far")
	case errors.As(err, &conflict):
		return fail(exitPlainDir, conflictText(conflict)).withHint("use --force to replace them (directories are merged)")
	case errors.Is(err, transfer.ErrExists):
		return fail(exitPlainDir, err).withHint("use --force to replace it")
	case errors.Is(err, transfer.ErrNotEmpty):
		return fail(exitPlainDir, err).withHint("export into an empty or new directory, or use --force to merge")
	case errors.Is(err, transfer.ErrInsideVault):
		return fail(exitPlainDir, err).withHint("the plain side must lie outside the cipherdir")
	}
	return fail(exitOther, err)
}

// trimPrefixError drops a package prefix from the message of err, keeping
// err reachable with errors.Is and errors.As.
func trimPrefixError(err error, prefix string) error {
	msg, ok := strings.CutPrefix(err.Error(), prefix)
	if !ok {
		return err
	}
	return &prefixless{msg: msg, err: err}
}

type prefixless struct {
	msg string
	err error
}

func (p *prefixless) Error() string { return p.msg }
func (p *prefixless) Unwrap() error { return p.err }

// summary prints what a transfer did.
func (e *env) summary(f *transferFlags, verb string, st transfer.Stats, took time.Duration) {
	e.infof("%s %s (%s), %s, %s, %s, %s in %s", verb,
		formatCount(st.Files, "file"), formatBytes(st.Bytes), formatCount(st.Dirs, "directory"),
		formatCount(st.Symlinks, "symlink"), formatCount(st.HardLinks, "hard link"),
		formatCount(st.Specials, "special file"), formatDuration(took))
	if f.update {
		e.infof("%d unchanged, %d deleted", st.Unchanged, st.Deleted)
	}
	if st.Warnings > 0 {
		e.warnf("%s (see above)", formatCount(int64(st.Warnings), "warning"))
	}
}

// conflictText words a ConflictError with the right plural.
func conflictText(c *transfer.ConflictError) error {
	verb, more := "exist", ""
	if c.Count == 1 {
		verb = "exists"
	}
	if c.Count > len(c.Paths) {
		more = fmt.Sprintf(" and %d more", c.Count-len(c.Paths))
	}
	return &prefixless{msg: fmt.Sprintf("%s already %s in the vault: %s%s", formatCount(int64(c.Count), "entry"),
		verb, strings.Join(c.Paths, ", "), more), err: c}
}
