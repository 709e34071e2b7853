package config

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// testPassword is the password of the shared test vaults.
var testPassword = []byte("correct horse battery staple")

// testLogN keeps scrypt fast in tests.
const testLogN = 10

// vectorDir returns the gocryptfs reference vaults in the repository
// (testdata/gocryptfs-v2; fstest.GoldenDir, which this package cannot
// import: fstest builds vaults with package vault, which imports config).
func vectorDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "gocryptfs-v2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("reference vaults missing: %v", err)
	}
	return dir
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
