package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNonRootMountCause: a non-root mount failure names the real cause:
// /dev/fuse not accessible, fusermount3 missing, user_allow_other
// missing in fuse.conf for --allow-other; nothing when all is in place.
func TestNonRootMountCause(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "fuse")
	os.WriteFile(dev, nil, 0o666)
	conf := filepath.Join(dir, "fuse.conf")
	os.WriteFile(conf, []byte("# user_allow_other\nmount_max = 1000\n"), 0o644)
	found := func(string) (string, error) { return "/usr/bin/fusermount3", nil }
	missing := func(string) (string, error) { return "", exec.ErrNotFound }
	fc := fuseCheck{dev: dev, conf: conf, lookPath: found, canAccess: func(string) error { return nil }}
	if got := fc.cause(false); got != "" {
		t.Errorf("all in place: %q", got)
	}
	if got := fc.cause(true); !strings.Contains(got, "user_allow_other") || !strings.Contains(got, conf) {
		t.Errorf("--allow-other without user_allow_other: %q", got)
	}
	os.WriteFile(conf, []byte("user_allow_other\n"), 0o644)
	if got := fc.cause(true); got != "" {
		t.Errorf("--allow-other with user_allow_other: %q", got)
	}
	fc.lookPath = missing
	if got := fc.cause(false); !strings.Contains(got, "fusermount3 is not installed") {
		t.Errorf("no fusermount3: %q", got)
	}
	fc.lookPath = found
	fc.canAccess = func(string) error { return errors.New("permission denied") }
	if got := fc.cause(false); !strings.Contains(got, dev) || !strings.Contains(got, "permission denied") {
		t.Errorf("no access to /dev/fuse: %q", got)
	}
}
