package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
)

// checkJob refuses, before anything is unlocked or mounted, a job that
// cannot be found in $PATH or a job file that cannot be executed. A
// job path under the chosen mountpoint mnt is left for the exec itself
// to check, as it exists only once the vault is mounted.
func checkJob(name, mnt string) error {
	if strings.Contains(name, "/") && mnt != "" {
		abs, err := filepath.Abs(name)
		absMnt, merr := filepath.Abs(mnt)
		if err == nil && merr == nil && (abs == absMnt || strings.HasPrefix(abs, absMnt+"/")) {
			return nil
		}
	}
	if _, err := exec.LookPath(name); err != nil {
		return jobError(name, err)
	}
	return nil
}

// jobError turns the failure to find or start the job into exit code
// 127 (not found) or 126 (found, but it cannot be executed), the codes
// shells, env and systemd-run use.
func jobError(name string, err error) *exitError {
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, exec.ErrNotFound) {
		return failf(exitJobNotFound, "job not found: %s is not a command in $PATH", displayName(name))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return failf(exitJobNotFound, "job not found: %s does not exist", displayName(name))
	}
	return fail(exitJobNotExec, fmt.Errorf("cannot execute the job %s: %w", displayName(name), err))
}

// realMountpoint returns the absolute mountpoint with its symlinks
// resolved (a symlinked ~/Dropbox is common), so that mount, status and
// unmount key everything on the one real path. A path that cannot be
// resolved (missing, or a dead mount: ENOTCONN) stays as given, made
// absolute, for the checks that follow to report.
func realMountpoint(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	}
	return abs, nil
}
