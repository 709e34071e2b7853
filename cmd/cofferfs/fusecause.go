package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// A normal user mounts through fusermount3, a set-user-ID root helper
// that opens /dev/fuse with the user's own rights (so /dev/fuse must be
// readable and writable by the user: mode 0666, as udev sets it) and
// mounts as root, refusing allow_other unless /etc/fuse.conf has
// user_allow_other. Its own message goes to stderr (the log file of a
// background daemon); what go-fuse returns is only "fusermount exited
// with code 256". So when such a mount fails, fuseCheck looks for the
// cause itself.

// fuseCheck looks for the usual reasons a mount by a normal user fails;
// its fields are the places and probes it uses (tests replace them).
type fuseCheck struct {
	dev, conf  string
	fusermount func() (string, error)
	stat       func(string) (unix.Stat_t, error)
	statfs     func(string) (unix.Statfs_t, error)
	canAccess  func(string) error
}

// systemFuse is the check of this machine.
func systemFuse() fuseCheck {
	return fuseCheck{dev: "/dev/fuse", conf: "/etc/fuse.conf", fusermount: daemon.Fusermount,
		stat:      func(p string) (st unix.Stat_t, err error) { err = unix.Stat(p, &st); return },
		statfs:    func(p string) (st unix.Statfs_t, err error) { err = unix.Statfs(p, &st); return },
		canAccess: func(p string) error { return unix.Access(p, unix.R_OK|unix.W_OK) }}
}

// cause returns the first reason found, in plain words, or "".
func (fc fuseCheck) cause(allowOther bool) string {
	if s := fc.helperCause(); s != "" {
		return s
	}
	if s := fc.deviceCause(); s != "" {
		return s
	}
	if allowOther && !fc.userAllowOther() {
		return fmt.Sprintf("--allow-other needs the line user_allow_other in %s (as root: echo user_allow_other >> %s)", fc.conf, fc.conf)
	}
	return ""
}

// helperCause says what keeps fusermount3 from mounting for the user.
func (fc fuseCheck) helperCause() string {
	bin, err := fc.fusermount()
	if err != nil {
		return "fusermount3 is not installed (looked in $PATH, /bin and /usr/bin): a normal user mounts through it; install the package fuse3"
	}
	st, err := fc.stat(bin)
	if err == nil && (st.Mode&unix.S_ISUID == 0 || st.Uid != 0) {
		return fmt.Sprintf("%s is not set-user-ID root (mode %04o, owner uid %d), so it cannot mount for you; "+
			"reinstall fuse3 (or as root: chown root %s && chmod u+s %s)", bin, st.Mode&0o7777, st.Uid, bin, bin)
	}
	if sfs, err := fc.statfs(bin); err == nil && sfs.Flags&unix.ST_NOSUID != 0 {
		return fmt.Sprintf("%s lies on a file system mounted nosuid: its set-user-ID bit is ignored, so it cannot mount for you", bin)
	}
	return ""
}

// deviceCause says what keeps the user from opening /dev/fuse.
func (fc fuseCheck) deviceCause() string {
	if _, err := fc.stat(fc.dev); errors.Is(err, unix.ENOENT) {
		return fmt.Sprintf("%s does not exist: load the fuse kernel module (modprobe fuse), "+
			"or in a container pass the device in (docker run --device /dev/fuse)", fc.dev)
	}
	if sfs, err := fc.statfs(fc.dev); err == nil && sfs.Flags&unix.ST_NODEV != 0 {
		return fmt.Sprintf("%s lies on a file system mounted nodev, where device files cannot be opened "+
			"(a container's /dev?): FUSE is not available to you here", fc.dev)
	}
	if err := fc.canAccess(fc.dev); err != nil {
		return fmt.Sprintf("%s is not accessible to you (%v): normal users need read and write access to it "+
			"(as root: chmod 0666 %s, the mode udev gives it)", fc.dev, err, fc.dev)
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
