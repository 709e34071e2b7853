package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func checkFile(t *testing.T, path string, want []byte) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o400 {
		t.Errorf("%s: mode %v, want -r--------", path, fi.Mode())
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
		t.Errorf("%s: content differs", path)
	}
	if _, err := os.Lstat(path + ".tmp"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s.tmp left behind: %v", path, err)
	}
}

func TestWriteFileAndLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gocryptfs.conf")
	c, master := newTestConfig(t, CreateOptions{})
	if err := WriteFile(path, c); err != nil {
		t.Fatal(err)
	}
	want, _ := c.Marshal()
	checkFile(t, path, want)
	// Replace the read-only file, as a password change does.
	if err := c.SetPassword(master, []byte("other"), 0); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, c); err != nil {
		t.Fatal(err)
	}
	want, _ = c.Marshal()
	checkFile(t, path, want)
	c2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c2.MasterKey([]byte("other")); err != nil || !bytes.Equal(got, master) {
		t.Errorf("Load+MasterKey: %v", err)
	}
}

func TestWriteFileStaleTmp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.conf")
	c, _ := newTestConfig(t, CreateOptions{})
	if err := os.WriteFile(path+".tmp", []byte("stale"), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, c); err != nil {
		t.Fatalf("stale regular .tmp: %v", err)
	}
	want, _ := c.Marshal()
	checkFile(t, path, want)

	target := filepath.Join(dir, "victim")
	os.WriteFile(target, []byte("keep"), 0o600)
	os.Symlink(target, path+".tmp")
	if err := WriteFile(path, c); err == nil {
		t.Error("WriteFile accepted a symlinked .tmp")
	}
	if got, _ := os.ReadFile(target); string(got) != "keep" {
		t.Error("symlink target was modified")
	}
	os.Remove(path + ".tmp")
	os.Mkdir(path+".tmp", 0o700)
	if err := WriteFile(path, c); err == nil {
		t.Error("WriteFile accepted a directory .tmp")
	}
}

func TestWriteFileInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.conf")
	c := base()
	c.Version = 3
	if err := WriteFile(path, c); err == nil {
		t.Fatal("wrote an invalid config")
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file created: %v", err)
	}
}

func TestBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gocryptfs.conf")
	c, master := newTestConfig(t, CreateOptions{})
	if err := WriteFile(path, c); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	if err := os.WriteFile(path+".bak", []byte("older backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Backup(path); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path+".bak", first)
	c.SetPassword(master, []byte("second"), 0)
	WriteFile(path, c)
	if err := Backup(path); err != nil {
		t.Fatalf("Backup over a read-only .bak: %v", err)
	}
	second, _ := os.ReadFile(path)
	checkFile(t, path+".bak", second)
	if err := Backup(path + ".missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Backup of a missing file: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(dir); err == nil {
		t.Error("Load of a directory succeeded")
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err == nil {
		if _, err := Load(fifo); err == nil {
			t.Error("Load of a FIFO succeeded")
		}
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, bytes.Repeat([]byte(" "), MaxFileSize+1), 0o600)
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("oversized file: %v", err)
	}
	// 64 KiB is the bound: a gocryptfs.conf is well under 1 KiB.
	if MaxFileSize != 64<<10 {
		t.Errorf("MaxFileSize = %d, want 64 KiB", MaxFileSize)
	}
	huge := filepath.Join(dir, "huge")
	os.WriteFile(huge, bytes.Repeat([]byte(" "), 64<<10+1), 0o600)
	if _, err := Load(huge); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("config of 64 KiB + 1: %v", err)
	}
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("[1]"), 0o600)
	_, err := Load(bad)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), bad) {
		t.Errorf("parse error from Load: %v", err)
	}
}

// TestLoadRefusesSymlink: a gocryptfs.conf symlinked to another vault's
// config is not used, nor copied into a backup.
func TestLoadRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.conf")
	c, _ := newTestConfig(t, CreateOptions{})
	if err := WriteFile(other, c); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "gocryptfs.conf")
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(link); err == nil {
		t.Error("Load followed a symlinked config")
	}
	if err := Backup(link); err == nil {
		t.Error("Backup copied a symlinked config")
	}
}
