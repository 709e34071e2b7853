package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cofferfs/cofferfs/fs/manifest"
	"github.com/cofferfs/cofferfs/fs/transfer"
)

var verifyCommand = &command{
	name:    "verify",
	args:    "[unlock] [--json] [--accept] [-q] [--no-progress] CIPHERDIR",
	summary: "compare the vault with its sealed manifest: rollback, swaps, deletions, truncation",
	help: `Compares the vault with the manifests cofferfs seals at the end of every
change set (unmount, run, import, fsck --repair, and every few minutes of
a mount), reading only file headers and each block's nonce and tag, not
whole files. Each difference is printed on stdout as
"<kind>: <plain path> (<cipher path>): <detail>", or, with --json, the
whole report as one JSON object. Kinds: changed outside cofferfs (rolled
back or replaced), missing, added outside cofferfs, swapped (holds the
file sealed under another name), truncated, blocks zeroed, vault rolled
back (older than this machine has seen, or a manifest is gone), bad
manifest (does not authenticate). Differences while a cofferfs is still
running or after one crashed before sealing are marked "unsealed".

The first time a machine sees a vault it trusts its manifests and says
so. --accept seals the vault as it is now (after you have looked at the
differences) and makes this machine's record of it match.

Exit codes: 0 the vault matches (or --accept sealed it), 26 something
does not.`,
	run: runVerify,
}

// verifyFlags are the flags of verify.
type verifyFlags struct {
	unlock     unlockFlags
	json       bool
	accept     bool
	noProgress bool
}

func runVerify(e *env, c *command, args []string) error {
	var f verifyFlags
	fs := newFlagSet(c)
	f.unlock.register(fs)
	fs.BoolVar(&f.json, "json", false, "print the report as JSON")
	fs.BoolVar(&f.accept, "accept", false, "seal the vault as it is now")
	e.quietFlag(fs, "print no progress and no summary (differences and warnings still)")
	fs.BoolVar(&f.noProgress, "no-progress", false, "print no progress")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	if err := f.unlock.check(e, c); err != nil {
		return err
	}
	v, err := e.openVault(pos[0], &f.unlock, !f.accept)
	if err != nil {
		return err
	}
	defer v.Close()
	mv, err := sealOf(v)
	if err != nil {
		return fail(exitOther, fmt.Errorf("vault manifest: %w", err))
	}
	rep, err := e.verifyVault(mv, !f.noProgress && !f.json)
	if err != nil {
		return err
	}
	return e.verifyResult(v, mv, &f, rep)
}

// verifyJSON is the --json output.
type verifyJSON struct {
	CipherDir string `json:"cipherdir"`
	Status    string `json:"status"`
	ExitCode  int    `json:"exit_code"`
	Accepted  bool   `json:"accepted"`
	*manifest.Report
}

// verifyResult prints the report, seals with --accept, and returns the
// exit status.
func (e *env) verifyResult(v *vault, mv *manifest.Vault, f *verifyFlags, rep *manifest.Report) error {
	status, code := "clean", exitOK
	if len(rep.Findings) > 0 {
		status, code = "mismatch", exitCorrupt
	}
	if f.json {
		b, err := json.MarshalIndent(verifyJSON{CipherDir: v.dir, Status: status, ExitCode: code, Accepted: f.accept, Report: rep}, "", "  ")
		if err != nil {
			return fail(exitOther, err)
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
	} else {
		for _, fd := range rep.Findings {
			fmt.Fprintln(e.stdout, describeSealFinding(v.dir, fd))
		}
	}
	e.noteReport(rep, false)
	e.infof("verify: %s, %s (generation %d): %s", formatCount(int64(rep.Entries), "entry"),
		formatCount(int64(len(rep.Manifests)), "manifest"), rep.Generation, verifySummary(rep))
	if f.accept {
		m, err := mv.Accept(e.ctx)
		if err != nil {
			return fail(exitOther, fmt.Errorf("seal: %w", err))
		}
		e.infof("verify: accepted: the vault as it is now is sealed (generation %d)", m.Generation)
		return nil
	} else if len(rep.Findings) > 0 && !f.json {
		e.hintf("if these changes are legitimate (made by gocryptfs, say), seal the vault as it is: cofferfs verify --accept %s", v.dir)
	}
	if code == exitOK {
		return nil
	}
	return &exitError{code: code}
}

// verifySummary says how the comparison ended, in words.
func verifySummary(rep *manifest.Report) string {
	switch {
	case !rep.Sealed() && len(rep.Findings) == 0:
		return "the vault has no manifest yet (never sealed by cofferfs); nothing to compare — --accept seals it"
	case len(rep.Findings) == 0:
		return "matches its sealed manifest"
	}
	return formatCount(int64(len(rep.Findings)), "difference")
}

// describeSealFinding renders a manifest finding as one line, the cipher
// path joined to the cipherdir (when dir is given).
func describeSealFinding(dir string, f manifest.Finding) string {
	where := "the vault"
	switch {
	case f.Kind == manifest.Rollback || f.Kind == manifest.BadManifest:
	case f.Path != "":
		where = displayName(f.Path)
	case f.CipherPath != "":
		where = "(undecryptable name)"
	}
	s := string(f.Kind) + ": " + where
	if f.CipherPath != "" {
		p := f.CipherPath
		if dir != "" {
			p = filepath.Join(dir, p)
		}
		s += " (" + displayName(p) + ")"
	}
	s += ": " + f.Detail
	if f.Unsealed {
		s += " " + unsealedNote
	}
	return escapeControls(strings.TrimSpace(s))
}

// unsealedNote marks a difference made while a cofferfs that has not
// sealed yet was writing (still running, or crashed).
const unsealedNote = "[unsealed: may be a change a running or crashed cofferfs did not seal]"

// scanProgress is the progress bar's view of a scan of n entries.
func scanProgress(n int) transfer.Progress {
	return transfer.Progress{TotalFiles: int64(n), Counting: true}
}
