package main

import (
	"path/filepath"
	"testing"
)

// TestInfoKeyOnlyProfile: info says whether only the recovery key opens
// the vault (init --key-only, until passwd sets a password) and which
// profiles its long-name threshold matches.
func TestInfoKeyOnlyProfile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vault")
	keyFile := filepath.Join(t.TempDir(), "key")
	expectCode(t, exitOK, "", "init", "-q", "--scryptn", "10", "--key-only", "--profile", "dropbox", "--recovery-key-file", keyFile, dir)
	out := expectCode(t, exitOK, "", "info", dir).stdout
	mustContain(t, "info", out, "Long-name max:   128 (--profile dropbox, syncthing)\n",
		"Unlocked by:     the recovery key only (key-only", "Creator:         cofferfs ")
	pf := tempFile(t, "pw", "a good long password for the test\n")
	expectCode(t, exitOK, "", "passwd", "-q", "--masterkey-file", keyFile, "--new-passfile", pf, "--scryptn", "10", dir)
	out = expectCode(t, exitOK, "", "info", dir).stdout
	mustContain(t, "info after passwd", out, "Unlocked by:     the password, or the recovery key\n")
	dir2, _, _ := makeVault(t, "a good long password")
	mustContain(t, "info", expectCode(t, exitOK, "", "info", dir2).stdout, "Long-name max:   255 (the default; --profile gdrive, icloud)\n",
		"Unlocked by:     the password, or the recovery key\n")
}
