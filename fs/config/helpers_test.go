package config

import (
	"archive/tar"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// testPassword is the password of the shared test vaults.
var testPassword = []byte("correct horse battery staple")

// testLogN keeps scrypt fast in tests.
const testLogN = 10

// vectorDir returns the shared gocryptfs test-vector directory. It skips
// the test when the directory is absent, except in CI where it fails.
func vectorDir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(wd, "..", "..", "..", "shared", "testdata", "gocryptfs-v2")
	_, err = os.Stat(dir)
	switch {
	case err == nil:
		return dir
	case errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") != "true":
		t.Skipf("test vectors not found at %s", dir)
	}
	t.Fatalf("test vectors: %v", err)
	return ""
}

// vaultConfig returns the gocryptfs.conf inside a vault tar.
func vaultConfig(t testing.TB, tarName string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join(vectorDir(t), tarName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s: gocryptfs.conf not found: %v", tarName, err)
		}
		if filepath.Clean(h.Name) == "gocryptfs.conf" {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
}

// newTestConfig creates a fresh vault config with cheap scrypt.
func newTestConfig(t testing.TB, opts CreateOptions) (*Config, []byte) {
	t.Helper()
	if opts.ScryptLogN == 0 {
		opts.ScryptLogN = testLogN
	}
	c, master, err := Create(opts, testPassword)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return c, master
}
