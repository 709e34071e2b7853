package main

import (
	"flag"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cofferfs/cofferfs/mount"
)

// reverseRefused are the flags of mount and run that mean nothing for a
// reverse view, with the reason given when one is set with --reverse.
var reverseRefused = map[string]string{
	"verify":        "the view has no sealed manifest to verify (it is made from the plain directory)",
	"accept":        "the view has no sealed manifest to verify (it is made from the plain directory)",
	"cache-timeout": "the view's caches last 1s, so that a changed plain file shows within a second",
}

// checkReverseFlags refuses, with --reverse, the flags of fs that do
// not apply to a reverse view, and --exclude/--exclude-from without it.
func (e *env) checkReverseFlags(c *command, fs *flag.FlagSet, m *mountFlags) error {
	if !m.reverse {
		if len(m.excludes) > 0 || m.excludeFrom != "" {
			return e.usageError(c, "--exclude and --exclude-from need --reverse")
		}
		return nil
	}
	var bad []string
	fs.Visit(func(f *flag.Flag) {
		if why, ok := reverseRefused[f.Name]; ok {
			bad = append(bad, "--"+f.Name+" ("+why+")")
		}
	})
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return e.usageError(c, "not with --reverse: %s", strings.Join(bad, ", "))
}

// checkReversePlacement refuses a mountpoint inside the plain directory
// (the view would show itself, and a backup of it would recurse) and a
// plain directory inside the mountpoint (the mount would hide it).
func checkReversePlacement(plain, mnt string) error {
	realPlain, realMnt := realPath(plain), realPath(mnt)
	if under(realMnt, realPlain) {
		return failf(exitPlainDir, "mountpoint %s is inside the plain directory %s: the view would show itself", mnt, plain).
			withHint("mount the view outside %s, e.g. in /mnt or ~/.%s-crypt", plain, filepath.Base(realPlain))
	}
	if under(realPlain, realMnt) {
		return failf(exitPlainDir, "the plain directory %s is inside the mountpoint %s, which the mount would hide", plain, mnt)
	}
	return nil
}

// runReverse is "cofferfs run --reverse PLAINDIR -- JOB": it mounts the
// view on mnt, runs the job, ends its leftovers and unmounts.
func (e *env) runReverse(plain, mnt string, m *mountFlags, lf *leftoverFlags, job []string) error {
	if err := checkReversePlacement(plain, mnt); err != nil {
		return err
	}
	c, pats, key, err := e.unlockReverse(plain, m)
	if err != nil {
		return err
	}
	v, err := openReverse(plain, c, key, pats)
	clear(key)
	if err != nil {
		return err
	}
	defer v.Close()
	log := e.fsLog
	srv, err := mount.MountReverse(v, mnt, reverseOptions(plain, m, log))
	if err != nil {
		return mountError(mnt, err, false)
	}
	defer recordMount(e.reverseState(plain, mnt, srv, 0), log, reversePoll(srv))()
	code, jobErr := e.execJob(mnt, job)
	e.endLeftovers(mnt, lf.keep, lf.killAfter)
	if err := e.lockAfterJob(srv, mnt); err != nil {
		return err
	}
	return jobResult(code, jobErr, "the view was mounted and is unmounted again")
}
