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

// SharedDir returns shared/testdata/gocryptfs-v2 beside the repository.
// Without it the test is skipped, except under CI=true, where it fails.
func SharedDir(t testing.TB) string {
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
	shared := filepath.Join(filepath.Dir(dir), "shared", "testdata", "gocryptfs-v2")
	if _, err := os.Stat(shared); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fstest: reference vaults missing: %v", err)
		}
		t.Skipf("fstest: reference vaults missing: %v", err)
	}
	return shared
}

// ExtractVault unpacks the reference vault vault-NAME.tar (with its
// xattrs) into a new temporary directory and returns it.
func ExtractVault(t testing.TB, name string) string {
	t.Helper()
	tarball := filepath.Join(SharedDir(t), "vault-"+name+".tar")
	dir := t.TempDir()
	out, err := exec.Command("tar", "-x", "-p", "--xattrs", "--xattrs-include=*", "-C", dir, "-f", tarball).CombinedOutput()
	if err != nil {
		t.Fatalf("fstest: extract %s: %v\n%s", tarball, err, out)
	}
	return dir
}

// ReadShared returns the content of a file in the reference folder.
func ReadShared(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(SharedDir(t), name))
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
	return strings.TrimSpace(ReadShared(t, file))
}
