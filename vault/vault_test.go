package vault_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/vault"
)

func TestCreateOpen(t *testing.T) {
	dir := t.TempDir()
	pw := []byte("pw")
	c, key, err := vault.Create(dir, config.CreateOptions{ScryptLogN: crypto.MinScryptLogN}, pw)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, crypto.DirIVName))
	if err != nil || fi.Mode().Perm() != 0o444 || fi.Size() != crypto.DirIVSize {
		t.Fatalf("root IV: %v, %v", fi, err)
	}
	iv, _ := os.ReadFile(filepath.Join(dir, crypto.DirIVName))
	if bytes.Equal(iv, make([]byte, crypto.DirIVSize)) {
		t.Fatal("root IV is all zero")
	}
	f, c2, err := vault.Open(dir, key, vault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if c2.Algorithm() != c.Algorithm() {
		t.Errorf("algorithm %v, created %v", c2.Algorithm(), c.Algorithm())
	}
	if err := f.Mkdir("d", 0o755, nil); err != nil {
		t.Fatal(err)
	}
	ro, _, err := vault.Open(dir, key, vault.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Stat("d"); err != nil {
		t.Fatal(err)
	}
	if err := ro.Mkdir("e", 0o755, nil); err == nil {
		t.Error("a read-only vault made a directory")
	}
}

// TestCreateTwiceFails checks that Create never overwrites a vault.
func TestCreateTwiceFails(t *testing.T) {
	dir := t.TempDir()
	opts := config.CreateOptions{ScryptLogN: crypto.MinScryptLogN}
	if _, _, err := vault.Create(dir, opts, []byte("a")); err != nil {
		t.Fatal(err)
	}
	conf, _ := os.ReadFile(vault.ConfigPath(dir))
	if _, _, err := vault.Create(dir, opts, []byte("b")); err == nil {
		t.Fatal("second Create succeeded")
	}
	if again, _ := os.ReadFile(vault.ConfigPath(dir)); !bytes.Equal(conf, again) {
		t.Fatal("second Create changed the config")
	}
}

// TestWriteConfigError checks that a config that cannot be written is
// reported as such and leaves no root IV behind.
func TestWriteConfigError(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(vault.ConfigPath(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err := vault.Create(dir, config.CreateOptions{ScryptLogN: crypto.MinScryptLogN}, []byte("a"))
	var werr *vault.WriteConfigError
	if !errors.As(err, &werr) {
		t.Fatalf("err = %v, want a WriteConfigError", err)
	}
	if _, err := os.Stat(filepath.Join(dir, crypto.DirIVName)); !os.IsNotExist(err) {
		t.Fatalf("root IV left behind: %v", err)
	}
}
