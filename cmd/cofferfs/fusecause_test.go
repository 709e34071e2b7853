package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// TestNonRootMountCause: a non-root mount failure names the real cause:
// fusermount3 missing, not set-user-ID root or on a nosuid mount,
// /dev/fuse missing, on a nodev mount or not accessible, user_allow_other
// missing in fuse.conf for --allow-other; nothing when all is in place.
// (nonroot_test.go tries the same as a real unprivileged user.)
func TestNonRootMountCause(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "fuse")
	conf := filepath.Join(dir, "fuse.conf")
	os.WriteFile(conf, []byte("# user_allow_other\nmount_max = 1000\n"), 0o644)
	const bin = "/usr/bin/fusermount3"
	var stats map[string]unix.Stat_t
	var flags map[string]int64
	fc := fuseCheck{dev: dev, conf: conf,
		fusermount: func() (string, error) { return bin, nil },
		stat: func(p string) (unix.Stat_t, error) {
			st, ok := stats[p]
			if !ok {
				return st, unix.ENOENT
			}
			return st, nil
		},
		statfs:    func(p string) (unix.Statfs_t, error) { return unix.Statfs_t{Flags: flags[p]}, nil },
		canAccess: func(string) error { return nil }}
	reset := func() {
		stats = map[string]unix.Stat_t{bin: {Mode: unix.S_IFREG | unix.S_ISUID | 0o755}, dev: {Mode: unix.S_IFCHR | 0o666}}
		flags = map[string]int64{}
	}
	cases := []struct {
		name       string
		allowOther bool
		change     func()
		want       []string // "" for no cause
	}{
		{"all in place", false, func() {}, nil},
		{"--allow-other without user_allow_other", true, func() {}, []string{"user_allow_other", conf}},
		{"no fusermount3", false, func() {
			fc.fusermount = func() (string, error) { return "", daemon.ErrNoFusermount }
		}, []string{"fusermount3 is not installed", "fuse3"}},
		{"fusermount3 not set-user-ID", false, func() {
			stats[bin] = unix.Stat_t{Mode: unix.S_IFREG | 0o755}
		}, []string{bin, "not set-user-ID root", "chmod u+s"}},
		{"fusermount3 owned by a user", false, func() {
			stats[bin] = unix.Stat_t{Mode: unix.S_IFREG | unix.S_ISUID | 0o755, Uid: 1000}
		}, []string{"owner uid 1000"}},
		{"fusermount3 on a nosuid mount", false, func() { flags[bin] = unix.ST_NOSUID }, []string{bin, "nosuid"}},
		{"no /dev/fuse", false, func() { delete(stats, dev) }, []string{dev, "does not exist", "modprobe fuse"}},
		{"/dev/fuse on a nodev mount", false, func() { flags[dev] = unix.ST_NODEV }, []string{dev, "nodev"}},
		{"/dev/fuse not accessible", false, func() {
			fc.canAccess = func(string) error { return errors.New("permission denied") }
		}, []string{dev, "permission denied", "chmod 0666"}},
	}
	for _, c := range cases {
		reset()
		saved := fc
		c.change()
		got := fc.cause(c.allowOther)
		fc = saved
		if len(c.want) == 0 && got != "" {
			t.Errorf("%s: %q", c.name, got)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q does not say %q", c.name, got, w)
			}
		}
	}
	reset()
	os.WriteFile(conf, []byte("user_allow_other\n"), 0o644)
	if got := fc.cause(true); got != "" {
		t.Errorf("--allow-other with user_allow_other: %q", got)
	}
}
