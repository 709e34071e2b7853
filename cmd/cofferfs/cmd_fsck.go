package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"path/filepath"
	"time"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/fs/fsck"
)

var fsckCommand = &command{
	name:    "fsck",
	args:    "[unlock] [--json] [--repair] [-q] [--no-progress] CIPHERDIR",
	summary: "check every name and block of the vault; --repair fixes what it can without losing data",
	help: `Reads and authenticates every name, file block, symlink target and
extended attribute. Each finding is printed on stdout as
"<kind>: <plain path> (<cipher path>)[ blocks A-B]: <detail>", or, with
--json, the whole report as one JSON object. Kinds: corrupt block,
corrupt header, undecryptable name, conflict copy, diriv conflict copy,
orphan .name, stray .name, missing diriv, damaged diriv, directory
recreated without its IV, crash leftover, not fully synced, corrupt
symlink, corrupt xattr, config conflict copy, foreign file (a note, not
a problem), unreadable, manifest mismatch (a note: what "cofferfs verify" reports,
the vault differs from its sealed manifest; verify exits 26 for it).

--repair never throws data away: a file whose only damage is at its end
(a torn append) is cut back to its last good block; other unreadable
files move into lost+found at the vault root (their readable blocks stay
readable, damaged blocks read as zeros); either way the damaged
ciphertext is kept in lost+found in NAME.damaged-ciphertext.
Undecryptable names move there too; conflict copies get ordinary names
(the ones they are shown under); .name and diriv files nothing needs
are removed; a missing gocryptfs.diriv is re-created only where the
right one is certain. A directory a sync client recreated without its
IV (deleted or renamed on another machine while a file was added to it)
gets back the one IV of the vault that decrypts all its names, or its
entries move to lost+found under their encrypted names. Temporary names
a killed cofferfs left behind (crash leftovers) are removed once older
than 15 minutes. Objects a sync client is still writing are left alone. Afterwards the vault passes gocryptfs
-fsck, except for what fsck says it left alone.

--repair is refused (exit 32) while the vault is mounted read-write or
another cofferfs process writes to it.

Exit codes: 0 no problems, 26 problems found (and not all repaired), 33
every problem found was repaired.`,
	run: runFsck,
}

// fsckFlags are the flags of fsck.
type fsckFlags struct {
	unlock     unlockFlags
	json       bool
	repair     bool
	noProgress bool
}

func runFsck(e *env, c *command, args []string) error {
	var f fsckFlags
	fs := newFlagSet(c)
	f.unlock.register(fs)
	fs.BoolVar(&f.json, "json", false, "print the report as JSON")
	fs.BoolVar(&f.repair, "repair", false, "repair what can be repaired without losing data")
	e.quietFlag(fs, "print no progress bar and no summary (findings and warnings still)")
	fs.BoolVar(&f.noProgress, "no-progress", false, "print no progress bar")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	if err := f.unlock.check(e, c); err != nil {
		return err
	}
	if f.repair {
		claim, err := claimVault(pos[0], "fsck --repair")
		if err != nil {
			return err
		}
		defer claim.Release()
	}
	v, err := e.openVault(pos[0], &f.unlock, !f.repair)
	if err != nil {
		return err
	}
	defer v.Close()
	e.reportBackup(v)
	start := time.Now()
	sealed := e.sealCheck(v, f.repair) // before the repair changes anything (sealmanifest.go)
	rep, err := e.runCheck(v, &f)
	if err != nil {
		return err
	}
	sealed(rep)
	return e.fsckResult(v.dir, &f, rep, time.Since(start))
}

// runCheck runs the check with a progress bar on a terminal.
func (e *env) runCheck(v *vault, f *fsckFlags) (*fsck.Report, error) {
	opts := fsck.Options{Repair: f.repair}
	if e.showProgress(f.noProgress || f.json) {
		e.bar = newProgressBar(e.stderr)
		opts.OnProgress = func(p fsck.Progress) { e.bar.update(fsckProgress(p)) }
	}
	rep, err := fsck.Check(e.ctx, v.fs, opts)
	e.bar.clear()
	e.bar = nil
	switch {
	case errors.Is(err, context.Canceled):
		return nil, failf(exitSigInt, "interrupted")
	case err != nil:
		return nil, fail(exitOther, err)
	}
	return rep, nil
}

// fsckStatus returns the outcome word and exit code of a report.
func fsckStatus(rep *fsck.Report) (string, int) {
	switch {
	case rep.Problems() == 0:
		return "clean", exitOK
	case rep.Unrepaired() > 0:
		return "problems", exitCorrupt
	}
	return "repaired", exitRepaired
}

// fsckJSON is the --json output.
type fsckJSON struct {
	CipherDir string `json:"cipherdir"`
	Repair    bool   `json:"repair"`
	Status    string `json:"status"`
	ExitCode  int    `json:"exit_code"`
	Problems  int    `json:"problems"`
	Repaired  int    `json:"repaired"`
	*fsck.Report
}

// fsckResult prints the report and returns the exit status.
func (e *env) fsckResult(dir string, f *fsckFlags, rep *fsck.Report, took time.Duration) error {
	status, code := fsckStatus(rep)
	if rep.Findings == nil {
		rep.Findings = []fsck.Finding{}
	}
	if f.json {
		out := fsckJSON{CipherDir: dir, Repair: f.repair, Status: status, ExitCode: code,
			Problems: rep.Problems(), Repaired: rep.Problems() - rep.Unrepaired(), Report: rep}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return fail(exitOther, err)
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
	} else {
		for _, fd := range rep.Findings {
			fmt.Fprintln(e.stdout, describeFinding(dir, fd))
		}
	}
	e.infof("fsck: %s, %s (%s), %s in %s: %s", formatCount(rep.Dirs, "directory"),
		formatCount(rep.Files, "file"), formatBytes(rep.Bytes), formatCount(rep.Symlinks, "symlink"),
		formatDuration(took), fsckSummary(rep, status))
	if code == exitOK {
		return nil
	}
	return &exitError{code: code}
}

// fsckSummary says how the check ended, in words.
func fsckSummary(rep *fsck.Report, status string) string {
	problems := formatCount(int64(rep.Problems()), "problem")
	switch status {
	case "clean":
		return "no problems"
	case "repaired":
		return problems + ", all repaired"
	}
	if fixed := rep.Problems() - rep.Unrepaired(); fixed > 0 {
		return fmt.Sprintf("%s, %d repaired, %d left", problems, fixed, rep.Unrepaired())
	}
	return problems
}

// describeFinding renders a finding as one line, the cipher path joined
// to the cipherdir.
func describeFinding(dir string, f fsck.Finding) string {
	where := displayName(f.Path)
	switch {
	case f.Path == "" && f.Dir == "":
		where = "in the vault root"
	case f.Path == "":
		where = "in " + displayName(f.Dir+"/")
	}
	s := fmt.Sprintf("%s: %s (%s)", f.Kind, where, displayName(filepath.Join(dir, f.CipherPath)))
	switch {
	case f.Blocks == nil:
	case f.Blocks.First == f.Blocks.Last:
		s += fmt.Sprintf(" block %d", f.Blocks.First)
	default:
		s += fmt.Sprintf(" blocks %d-%d", f.Blocks.First, f.Blocks.Last)
	}
	s += ": " + f.Detail
	switch {
	case f.Repaired:
		s += "; repaired: " + f.Action
	case f.Action != "":
		s += "; " + f.Action
	}
	return escapeControls(s) // a detail or action may name a backing entry
}

// reportBackup warns about a gocryptfs.conf.bak that wraps the key
// differently from the config: an old password still opens the vault
// through it.
func (e *env) reportBackup(v *vault) {
	bak := configPath(v.dir) + ".bak"
	b, err := config.Load(bak)
	switch {
	case errors.Is(err, iofs.ErrNotExist):
	case err != nil:
		e.warnf("%s cannot be read (%v); if it is an old config, its password still opens the vault", bak, err)
	case v.conf == nil || !bytes.Equal(b.EncryptedKey, v.conf.EncryptedKey):
		e.warnf("%s is a stale backup: the old password still opens the vault through it; "+
			"remove it once the current password works", bak)
	}
}
