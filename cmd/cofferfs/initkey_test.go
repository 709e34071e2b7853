package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestInitKeyToFullStdout: a recovery key that cannot be written to
// stdout fails init and leaves no vault behind (the key was the only way
// in with --key-only).
func TestInitKeyToFullStdout(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	for _, existing := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "v")
		if existing {
			os.Mkdir(dir, 0o700)
		}
		var errOut strings.Builder
		code := run([]string{"init", "--scryptn", "10", "--key-only", dir}, strings.NewReader(""), full, &errOut)
		if code == exitOK {
			t.Fatalf("init with stdout on /dev/full exited 0:\n%s", errOut.String())
		}
		mustContain(t, "stderr", errOut.String(), "recovery key")
		ents, err := os.ReadDir(dir)
		switch {
		case existing && (err != nil || len(ents) != 0):
			t.Errorf("existing cipherdir not left empty: %v %v", ents, err)
		case !existing && !os.IsNotExist(err):
			t.Errorf("new cipherdir not removed: %v %v", ents, err)
		}
	}
}

// TestInitRecoveryKeyFile: --recovery-key-file writes the key to a new
// file of mode 0600 (never over an existing one) and not to stdout.
func TestInitRecoveryKeyFile(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "recovery-key.txt")
	dir := filepath.Join(t.TempDir(), "v")
	old := umask(0)
	r := expectCode(t, exitOK, "", "init", "--scryptn", "10", "--key-only", "--recovery-key-file", keyFile, dir)
	umask(old)
	if r.stdout != "" {
		t.Errorf("stdout: %q, want nothing", r.stdout)
	}
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(keyFile)
	if !recoveryKey.Match(data) {
		t.Fatalf("key file holds %q", data)
	}
	expectCode(t, exitOK, "", "ls", "--masterkey-file", keyFile, dir)

	// An existing file is never overwritten, and nothing is created.
	dir2 := filepath.Join(t.TempDir(), "v2")
	r = expectCode(t, exitInit, "", "init", "--scryptn", "10", "--key-only", "--recovery-key-file", keyFile, dir2)
	mustContain(t, "stderr", r.stderr, keyFile)
	if got, _ := os.ReadFile(keyFile); string(got) != string(data) {
		t.Error("existing key file was changed")
	}
	if _, err := os.Stat(dir2); !os.IsNotExist(err) {
		t.Errorf("vault created although the key file could not be: %v", err)
	}
}

func umask(m int) int { return unix.Umask(m) }
