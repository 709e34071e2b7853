package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPasswdBackup: passwd says that the .bak keeps the old password
// working, --no-backup removes it once the new config is verified, and
// fsck reports a stale .bak (issue 10, point 16).
func TestPasswdBackup(t *testing.T) {
	dir, pf, _ := makeVault(t, "old")
	bak := filepath.Join(dir, "gocryptfs.conf.bak")
	npf := tempFile(t, "np", "new\n")
	r := expectCode(t, exitOK, "", "passwd", "--passfile", pf, "--new-passfile", npf, dir)
	mustContain(t, "passwd", r.stderr, "gocryptfs.conf.bak", "old password still opens", "--no-backup")
	r = expectCode(t, exitOK, "", "fsck", "--passfile", npf, dir)
	mustContain(t, "fsck with a stale .bak", r.stderr, "gocryptfs.conf.bak", "old password")

	npf2 := tempFile(t, "np2", "newer\n")
	r = expectCode(t, exitOK, "", "passwd", "--no-backup", "--passfile", npf, "--new-passfile", npf2, dir)
	if _, err := os.Lstat(bak); !os.IsNotExist(err) {
		t.Fatalf("--no-backup left %s: %v", bak, err)
	}
	if strings.Contains(r.stderr, "old password still opens") {
		t.Errorf("--no-backup: %s", r.stderr)
	}
	expectCode(t, exitWrongKey, "", "ls", "--passfile", npf, dir)
	expectCode(t, exitOK, "", "ls", "--passfile", npf2, dir)
	r = expectCode(t, exitOK, "", "fsck", "--passfile", npf2, dir)
	if strings.Contains(r.stderr, ".bak") {
		t.Errorf("fsck without a .bak: %s", r.stderr)
	}
}
