package daemon

import (
	"errors"
	"os/exec"
	"path/filepath"
)

// ErrNoFusermount is returned by Fusermount when no fusermount program
// is installed.
var ErrNoFusermount = errors.New("fusermount3 is not installed (package fuse3)")

// fusermountDirs are where Fusermount looks after $PATH (a cron job or
// systemd unit may run with an empty or short PATH); go-fuse, which
// mounts through the same program, falls back to /bin as well.
var fusermountDirs = []string{"/bin", "/usr/bin"}

// Fusermount returns the path of the set-user-ID helper through which a
// normal user mounts and unmounts FUSE file systems: fusermount3, else
// fusermount, in $PATH or else in /bin or /usr/bin.
func Fusermount() (string, error) {
	return findFusermount(exec.LookPath)
}

// findFusermount is Fusermount with the look-up given.
func findFusermount(lookPath func(string) (string, error)) (string, error) {
	for _, name := range []string{"fusermount3", "fusermount"} {
		if p, err := lookPath(name); err == nil {
			return p, nil
		}
		for _, dir := range fusermountDirs {
			if p, err := lookPath(filepath.Join(dir, name)); err == nil {
				return p, nil
			}
		}
	}
	return "", ErrNoFusermount
}
