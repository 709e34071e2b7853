package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fsck"
	"github.com/cofferfs/cofferfs/fs/manifest"
)

// The sealed vault manifest (package fs/manifest) in the commands: a
// change set (a mount, run, import, fsck --repair) marks the manifest
// unsealed when it begins and seals it when it ends; a long mount also
// seals every sealInterval in the background.

// sealInterval is how often a mount seals the vault in the background.
const sealInterval = 5 * time.Minute

// sealFlags are the --verify and --accept flags of mount and run.
type sealFlags struct {
	verify bool
	accept bool
}

func (s *sealFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&s.verify, "verify", false, "compare the vault with its sealed manifest first; refuse to mount read-write on a mismatch")
	fs.BoolVar(&s.accept, "accept", false, "with --verify: on a mismatch, seal the vault as it is and go on")
}

// sealOf returns the manifest view of v on this machine.
func sealOf(v *vault) (*manifest.Vault, error) {
	st, err := manifest.OpenState(manifest.StateDir())
	if err != nil {
		return nil, err
	}
	return manifest.New(v.fs, v.seal, st)
}

// checkBeforeMount runs before mount and run: the cheap check of the
// manifests (warnings only), or with --verify the full comparison, which
// refuses a read-write mount on a mismatch unless --accept.
func (e *env) checkBeforeMount(v *vault, s *sealFlags, readOnly bool) error {
	mv, err := sealOf(v)
	if err != nil {
		if s.verify || s.accept {
			return fail(exitOther, fmt.Errorf("vault manifest: %w", err))
		}
		e.warnf("cannot check the vault's manifest: %v", err)
		return nil
	}
	if !s.verify && !s.accept {
		rep, err := mv.Check()
		if err != nil {
			e.warnf("cannot check the vault's manifest: %v", err)
			return nil
		}
		e.noteReport(rep, true)
		return nil
	}
	rep, err := e.verifyVault(mv, true)
	if err != nil {
		return err
	}
	for _, f := range rep.Findings {
		e.warnf("%s", describeSealFinding(v.dir, f))
	}
	e.noteReport(rep, false)
	switch {
	case len(rep.Findings) == 0:
		e.infof("verify: the vault matches its sealed manifest (%d entries)", rep.Entries)
	case s.accept:
		m, err := mv.Accept(e.ctx)
		if err != nil {
			return fail(exitOther, fmt.Errorf("seal: %w", err))
		}
		e.infof("verify: accepted: the vault as it is now is sealed (generation %d)", m.Generation)
	case readOnly:
		e.warnf("the vault does not match its sealed manifest (%s); mounting read-only", formatCount(int64(len(rep.Findings)), "difference"))
	default:
		return failf(exitCorrupt, "the vault does not match its sealed manifest (%s): not mounting it read-write",
			formatCount(int64(len(rep.Findings)), "difference")).
			withHint("the differences are listed above; if they are legitimate, add --accept to seal the vault as it is").
			withHint("or look at it read-only first with --ro")
	}
	return nil
}

// noteReport says what the cheap check found: first use, rollback, bad
// manifests (when withFindings), unsealed changes of a crashed cofferfs.
func (e *env) noteReport(rep *manifest.Report, withFindings bool) {
	if rep.FirstUse {
		e.infof("first use of this vault on this machine: trusting its sealed manifest (generation %d)", rep.Generation)
	}
	if withFindings {
		for _, f := range rep.Findings {
			e.warnf("%s", describeSealFinding("", f))
		}
	}
	if len(rep.Unsealed) > 0 {
		e.warnf("unsealed changes by cofferfs on %s: it is still running, or stopped without sealing (a crash)", strings.Join(rep.Unsealed, ", "))
	}
}

// verifyVault runs the full comparison, with a progress count on a
// terminal.
func (e *env) verifyVault(mv *manifest.Vault, progress bool) (*manifest.Report, error) {
	var onProgress func(int)
	if e.showProgress(!progress) {
		e.bar = newProgressBar(e.stderr)
		onProgress = func(n int) { e.bar.update(scanProgress(n)) }
	}
	rep, err := mv.Verify(e.ctx, onProgress)
	e.bar.clear()
	e.bar = nil
	switch {
	case e.ctx.Err() != nil:
		return nil, failf(exitSigInt, "interrupted")
	case err != nil:
		return nil, fail(exitOther, fmt.Errorf("verify: %w", err))
	}
	return rep, nil
}

// sealChangeSet marks the manifest unsealed for a change set (import,
// fsck --repair) and returns the function that seals it at its end.
// Failures are warnings: the change set itself succeeded.
func (e *env) sealChangeSet(v *vault) (done func()) {
	mv, err := sealOf(v)
	if err == nil {
		err = mv.MarkDirty()
	}
	if err != nil {
		e.warnf("vault manifest: %v (the changes will not be sealed)", err)
		return func() {}
	}
	return func() {
		if _, err := mv.Seal(context.Background(), false); err != nil {
			e.warnf("cannot seal the vault: %v", err)
		}
	}
}

// sealer is the manifest work alongside a mount (startSealing).
type sealer struct {
	// stop ends the background work and seals (read-write mounts).
	stop    func()
	counted atomic.Pointer[string]
}

// changed returns how many entries differed from the sealed manifest at
// mount, for cofferfs status ("" while unknown, "none" without one).
func (s *sealer) changed() string {
	if p := s.counted.Load(); p != nil {
		return *p
	}
	return ""
}

// recordOwnChanges starts, before a mount serves its first request, the
// log of the paths the mount changes, which startSealing's comparison
// leaves out (the mount's own writes are not differences since the last
// seal). The comparison stops it when it ends; the returned stop is for
// a mount that fails.
func recordOwnChanges(v *vault) (*fs.ChangeLog, func()) {
	return v.fs.RecordChanges()
}

// startSealing runs alongside a mount: it marks the manifest unsealed,
// counts (and logs) in the background how many entries differ since the
// last seal, leaving out what the mount itself changed meanwhile (own,
// from recordOwnChanges; stopOwn ends that log), seals every
// sealInterval, and its stop function seals at the end. A read-only
// mount only counts.
func startSealing(v *vault, log *slog.Logger, own *fs.ChangeLog, stopOwn func()) *sealer {
	s := &sealer{stop: func() {}}
	mv, err := sealOf(v)
	if err != nil {
		stopOwn()
		log.Warn("vault manifest unavailable: changes will not be sealed", "err", err)
		return s
	}
	ro := v.fs.ReadOnly()
	if !ro {
		if err := mv.MarkDirty(); err != nil {
			log.Warn("cannot mark the vault manifest unsealed", "err", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := logDifferences(ctx, mv, log, own)
		stopOwn()
		if n != "" {
			s.counted.Store(&n)
		}
		if !ro {
			sealEvery(ctx, mv, log, sealInterval)
		}
	}()
	s.stop = func() {
		cancel()
		<-done
		if ro {
			return
		}
		if m, err := mv.Seal(context.Background(), false); err != nil {
			log.Warn("cannot seal the vault", "err", err)
		} else {
			log.Info("vault sealed", "generation", m.Generation, "entries", len(m.Entries))
		}
	}
	return s
}

// logDifferences verifies the vault in the background, logs the result
// and returns the count of differences ("none" without a manifest, ""
// when it could not tell). Entries the mount changed itself while the
// comparison ran (own) are left out: a write right after mounting is
// not a change behind the mount's back.
func logDifferences(ctx context.Context, mv *manifest.Vault, log *slog.Logger, own *fs.ChangeLog) string {
	rep, err := mv.Verify(ctx, nil)
	if err == nil {
		rep.Findings = withoutOwn(rep.Findings, own)
	}
	switch {
	case ctx.Err() != nil:
		return ""
	case err != nil:
		log.Warn("vault manifest check failed", "err", err)
		return ""
	case !rep.Sealed():
		log.Info("vault manifest: none yet; the first seal is at unmount")
		return "none"
	case len(rep.Findings) == 0:
		log.Info("vault manifest: no differences since the last seal", "generation", rep.Generation, "entries", rep.Entries)
		return "0"
	}
	log.Warn("vault manifest: entries differ since the last seal; run cofferfs verify for the list", "differences", len(rep.Findings), "generation", rep.Generation)
	for _, f := range rep.Findings {
		if f.Kind == manifest.Rollback || f.Kind == manifest.BadManifest {
			log.Warn("vault manifest: "+string(f.Kind), "detail", f.Detail)
		}
	}
	return strconv.Itoa(len(rep.Findings))
}

// withoutOwn drops the findings at paths the mount changed (or below a
// directory it changed: a rename moves what is inside).
func withoutOwn(findings []manifest.Finding, own *fs.ChangeLog) []manifest.Finding {
	kept := findings[:0]
	for _, f := range findings {
		if (f.Path != "" && own.Touched(f.Path)) || (f.CipherPath != "" && own.TouchedCipher(f.CipherPath)) {
			continue
		}
		kept = append(kept, f)
	}
	return kept
}

// sealEvery seals (as still unsealed) every interval until ctx ends.
func sealEvery(ctx context.Context, mv *manifest.Vault, log *slog.Logger, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := mv.Seal(ctx, true); err != nil && ctx.Err() == nil {
			log.Warn("periodic seal failed", "err", err)
		}
	}
}

// sealCheck is fsck's part: it compares the vault with its manifest
// before fsck runs, and returns the function that adds the differences
// to fsck's report, as notes: they do not change fsck's exit code (a
// sync client's conflict copy is one, and fsck --repair keeps it);
// "cofferfs verify" is the check that exits 26 for them. After a repair
// it seals the vault, unless the comparison found differences (they stay
// for verify).
func (e *env) sealCheck(v *vault, repair bool) func(*fsck.Report) {
	mv, err := sealOf(v)
	var rep *manifest.Report
	if err == nil {
		rep, err = mv.Verify(e.ctx, nil)
	}
	if err != nil {
		e.warnf("vault manifest not checked: %v", err)
		return func(*fsck.Report) {}
	}
	if repair && len(rep.Findings) == 0 && rep.Sealed() {
		if err := mv.MarkDirty(); err != nil {
			e.warnf("vault manifest: %v", err)
		}
	}
	return func(fr *fsck.Report) {
		known := map[string]bool{}
		for _, f := range fr.Findings {
			known[f.CipherPath] = true
		}
		for _, f := range rep.Findings {
			if known[f.CipherPath] {
				continue // fsck has said what is there (a conflict copy, say)
			}
			detail := string(f.Kind) + ": " + f.Detail
			if f.Unsealed {
				detail += " " + unsealedNote
			}
			fr.Findings = append(fr.Findings, fsck.Finding{Kind: fsck.Manifest, Path: f.Path, CipherPath: f.CipherPath,
				Detail: detail, Action: "if legitimate: cofferfs verify --accept " + v.dir})
		}
		if len(rep.Findings) > 0 {
			e.warnf("the vault differs from its sealed manifest in %s (manifest mismatch above); cofferfs verify lists them and exits 26",
				formatCount(int64(len(rep.Findings)), "entry"))
		}
		if repair && len(rep.Findings) == 0 {
			if _, err := mv.Seal(context.Background(), false); err != nil {
				e.warnf("cannot seal the vault: %v", err)
			}
		}
	}
}
