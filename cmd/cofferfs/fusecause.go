package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
)

// fuseCheck looks for the usual reasons a mount by a normal user fails;
// its fields are the places and probes it uses (tests replace them).
type fuseCheck struct {
	dev, conf string
	lookPath  func(string) (string, error)
	canAccess func(string) error
}

// systemFuse is the check of this machine.
func systemFuse() fuseCheck {
	return fuseCheck{dev: "/dev/fuse", conf: "/etc/fuse.conf", lookPath: exec.LookPath,
		canAccess: func(p string) error { return unix.Access(p, unix.R_OK|unix.W_OK) }}
}

// cause returns the first reason found, in plain words, or "".
func (fc fuseCheck) cause(allowOther bool) string {
	if err := fc.canAccess(fc.dev); err != nil {
		return fmt.Sprintf("%s is not accessible to you (%v): FUSE is not available or not allowed for normal users here", fc.dev, err)
	}
	if _, err := fc.lookPath("fusermount3"); err != nil {
		return "fusermount3 is not installed (or not in $PATH): a normal user mounts through it; install the package fuse3"
	}
	if allowOther && !fc.userAllowOther() {
		return fmt.Sprintf("--allow-other needs the line user_allow_other in %s (as root: echo user_allow_other >> %s)", fc.conf, fc.conf)
	}
	return ""
}

// userAllowOther reports whether the fuse config holds an uncommented
// user_allow_other line.
func (fc fuseCheck) userAllowOther() bool {
	f, err := os.Open(fc.conf)
	if err != nil {
		return false
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if strings.TrimSpace(sc.Text()) == "user_allow_other" {
			return true
		}
	}
	return false
}
