package fstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Password is the password of every reference vault.
const Password = "correct horse battery staple"

// GoldenDir returns testdata/gocryptfs-v2 of the repository: the
// reference vaults made by gocryptfs 2.3 and their known answers.
func GoldenDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("fstest: go.mod not found above the working directory")
		}
		dir = parent
	}
	golden := filepath.Join(dir, "testdata", "gocryptfs-v2")
	if _, err := os.Stat(golden); err != nil {
		t.Fatalf("fstest: reference vaults missing: %v", err)
	}
	return golden
}

// ExtractVault unpacks the reference vault vault-NAME.tar (with its
// xattrs) into a new temporary directory and returns it.
func ExtractVault(t testing.TB, name string) string {
	t.Helper()
	tarball := filepath.Join(GoldenDir(t), "vault-"+name+".tar")
	dir := t.TempDir()
	out, err := exec.Command("tar", "-x", "-p", "--xattrs", "--xattrs-include=*", "-C", dir, "-f", tarball).CombinedOutput()
	if err != nil {
		t.Fatalf("fstest: extract %s: %v\n%s", tarball, err, out)
	}
	return dir
}

// ReadGolden returns the content of a file in the reference folder.
func ReadGolden(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(GoldenDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// MasterKey returns the recovery key of a reference vault ("aesgcm" or
// "xchacha") as printed by gocryptfs.
func MasterKey(t testing.TB, name string) string {
	file := "masterkey.txt"
	if name != "aesgcm" {
		file = "masterkey-" + name + ".txt"
	}
	return strings.TrimSpace(ReadGolden(t, file))
}
