package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// treeWithLongName is smallTree plus a file whose encrypted name is
// longer than 62 characters but not than 255.
func treeWithLongName(t *testing.T) string {
	src := smallTree(t)
	long := strings.Repeat("n", 60) + ".txt"
	if err := os.WriteFile(filepath.Join(src, "a", long), []byte("long\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return src
}

// TestRecoveryKeyWithoutConfig: with gocryptfs.conf missing, empty or
// truncated, the recovery key alone opens the vault (the gocryptfs v2
// defaults, the content algorithm and the long-name threshold detected
// from the data), and passwd --masterkey-file writes a new config.
func TestRecoveryKeyWithoutConfig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []string
		lose  func(string) error
	}{
		{"missing", nil, os.Remove},
		{"empty xchacha", []string{"--xchacha"}, func(p string) error { return os.WriteFile(p, nil, 0o600) }},
		{"truncated longnamemax 62", []string{"--longnamemax", "62"}, func(p string) error {
			return os.Truncate(p, 100)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, pf, key := makeVault(t, "pw", tc.flags...)
			src := treeWithLongName(t)
			expectCode(t, exitOK, "", "import", "--passfile", pf, src, dir)
			conf := filepath.Join(dir, "gocryptfs.conf")
			os.Chmod(conf, 0o600)
			if err := tc.lose(conf); err != nil {
				t.Fatal(err)
			}
			kf := tempFile(t, "key", key+"\n")
			dst := filepath.Join(t.TempDir(), "out")
			r := expectCode(t, exitOK, "", "export", "--masterkey-file", kf, dir, dst)
			mustContain(t, "export without config", r.stderr, "gocryptfs.conf")
			if got, want := manifestOf(t, dst), manifestOf(t, src); got != want {
				t.Errorf("export without config:\n%s\nwant\n%s", got, want)
			}
			// Rebuild the config with a new password; it opens everything.
			npf := tempFile(t, "npw", "new password\n")
			expectCode(t, exitOK, "", "passwd", "--scryptn", "10", "--masterkey-file", kf, "--new-passfile", npf, dir)
			r = expectCode(t, exitOK, "", "cat", "--passfile", npf, dir, "a/"+strings.Repeat("n", 60)+".txt")
			if r.stdout != "long\n" {
				t.Errorf("cat after the rebuild: %q", r.stdout)
			}
			expectCode(t, exitOK, "", "fsck", "--passfile", npf, dir)
			expectCode(t, exitWrongKey, "", "ls", "--passfile", pf, dir)
		})
	}
}

// TestWrongKeyWithoutConfig: without a config, a wrong recovery key does
// not open a vault that holds data, and writes nothing.
func TestWrongKeyWithoutConfig(t *testing.T) {
	dir, pf, _ := makeVault(t, "pw")
	expectCode(t, exitOK, "", "import", "--passfile", pf, smallTree(t), dir)
	os.Remove(filepath.Join(dir, "gocryptfs.conf"))
	wrong := tempFile(t, "wrong", strings.Repeat("0123abcd", 8)+"\n")
	expectCode(t, exitMasterKey, "", "passwd", "--masterkey-file", wrong, "--new-passfile", pf, dir)
	if _, err := os.Stat(filepath.Join(dir, "gocryptfs.conf")); !os.IsNotExist(err) {
		t.Errorf("a config was written for a wrong key: %v", err)
	}
	// Without a password nothing opens; the hint names the recovery key.
	r := expectCode(t, exitCipherDir, "", "ls", "--passfile", pf, dir)
	mustContain(t, "no config", r.stderr, "--masterkey-file")
}

// TestMountWithoutConfig: the background daemon opens a vault whose
// config is lost with the recovery key its parent checked, read-write.
func TestMountWithoutConfig(t *testing.T) {
	c, cipher, mnt, pw := newLifecycle(t)
	src := treeWithLongName(t)
	kf := filepath.Join(t.TempDir(), "key")
	os.RemoveAll(cipher) // a vault whose recovery key this test keeps
	c.must("init", "--scryptn", "10", "--passfile", pw, "--recovery-key-file", kf, cipher)
	c.must("import", "--passfile", pw, src, cipher)
	if err := os.Remove(filepath.Join(cipher, "gocryptfs.conf")); err != nil {
		t.Fatal(err)
	}
	c.must("mount", "--masterkey-file", kf, cipher, mnt)
	got, err := os.ReadFile(filepath.Join(mnt, "a", "b", "file.txt"))
	if err != nil || string(got) != "hello\n" {
		t.Errorf("read through the mount: %q, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(mnt, "new.txt"), []byte("new\n"), 0o644); err != nil {
		t.Errorf("write through the mount: %v", err)
	}
	c.must("unmount", mnt)
	r := expectCode(t, exitOK, "", "cat", "--masterkey-file", kf, cipher, "new.txt")
	if r.stdout != "new\n" {
		t.Errorf("written file: %q", r.stdout)
	}
}
