package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHalfSyncedVaultHints: a missing or empty gocryptfs.conf beside
// ciphertext names is most likely not downloaded yet: the hints say so
// instead of suggesting cofferfs init.
func TestHalfSyncedVaultHints(t *testing.T) {
	onlyNames := t.TempDir()
	os.WriteFile(filepath.Join(onlyNames, "TErRGpKZ-0Ha0pQpKUm4nA"), []byte("x"), 0o600)
	r := expectCode(t, exitCipherDir, "", "ls", "--passfile", tempFile(t, "pw", "pw\n"), onlyNames)
	mustContain(t, "names only", r.stderr, "hint: ", "sync client", "not be downloaded yet")
	if strings.Contains(r.stderr, "cofferfs init") {
		t.Errorf("a half-synced vault is told to init:\n%s", r.stderr)
	}

	dir, pf, _ := makeVault(t, "pw")
	os.WriteFile(filepath.Join(dir, "gocryptfs.conf"), nil, 0o400)
	r = expectCode(t, exitLoadConf, "", "ls", "--passfile", pf, dir)
	mustContain(t, "empty config", r.stderr, "hint: ", "sync client")

	os.Remove(filepath.Join(dir, "gocryptfs.conf"))
	r = expectCode(t, exitCipherDir, "", "ls", "--passfile", pf, dir)
	mustContain(t, "missing config", r.stderr, "sync client", "--masterkey-file")

	empty := t.TempDir()
	r = expectCode(t, exitCipherDir, "", "ls", "--passfile", pf, empty)
	mustContain(t, "empty dir", r.stderr, "cofferfs init")
}
