package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// smallTree makes a plain tree: a/b/file.txt and a symlink to it.
func smallTree(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "a", "b", "file.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a/b/file.txt", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	return src
}

// editConfig rewrites gocryptfs.conf of dir with edit.
func editConfig(t *testing.T, dir string, edit func(string) string) {
	t.Helper()
	p := filepath.Join(dir, "gocryptfs.conf")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(edit(string(b))), 0o400); err != nil {
		t.Fatal(err)
	}
}

func TestInitFiles(t *testing.T) {
	dir, _, _ := makeVault(t, "pw")
	for name, want := range map[string]uint32{"gocryptfs.conf": 0o400, "gocryptfs.diriv": 0o444} {
		var st unix.Stat_t
		if err := unix.Stat(filepath.Join(dir, name), &st); err != nil {
			t.Fatal(err)
		}
		if st.Mode&0o777 != want {
			t.Errorf("%s: mode %o, want %o", name, st.Mode&0o777, want)
		}
		if name == "gocryptfs.diriv" && st.Size != 16 {
			t.Errorf("diriv has %d bytes", st.Size)
		}
	}
	r := runIn(t, "", "init", "--scryptn", "10", "--passfile", tempFile(t, "pw", "pw"), filepath.Join(t.TempDir(), "v"))
	mustContain(t, "init advice", r.stderr, "recovery key", "store it offline", "never shown again")
	r = expectCode(t, exitOK, "pw\n", "init", "--scryptn", "10", "--xchacha", "--longnamemax", "64", filepath.Join(t.TempDir(), "v"))
	if !recoveryKey.MatchString(r.stdout) {
		t.Errorf("init with a stdin password printed %q", r.stdout)
	}
}

func TestInfo(t *testing.T) {
	dir, _, _ := makeVault(t, "pw", "--xchacha", "--longnamemax", "64")
	r := expectCode(t, exitOK, "", "info", dir)
	mustContain(t, "info", r.stdout, "Format version:  2",
		"Feature flags:   HKDF XChaCha20Poly1305 DirIV LongNameMax EMENames LongNames Raw64",
		"Content cipher:  XChaCha20-Poly1305", "N=1024 (2^10) r=8 p=1", "Long-name max:   64", "Creator:         cofferfs")
	b, _ := os.ReadFile(filepath.Join(dir, "gocryptfs.conf"))
	var conf map[string]any
	if err := json.Unmarshal(b, &conf); err != nil {
		t.Fatal(err)
	}
	salt := conf["ScryptObject"].(map[string]any)["Salt"].(string)
	for _, secret := range []string{conf["EncryptedKey"].(string), salt} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("info printed %q", secret)
		}
	}
}

func TestLsCatPath(t *testing.T) {
	dir, pf, _ := makeVault(t, "pw")
	expectCode(t, exitOK, "", "import", "--passfile", pf, smallTree(t), dir)
	if r := expectCode(t, exitOK, "", "ls", "--passfile", pf, dir); r.stdout != "a\nlink\n" {
		t.Errorf("ls: %q", r.stdout)
	}
	if r := expectCode(t, exitOK, "", "ls", "--passfile", pf, dir, "/a/b/file.txt"); r.stdout != "file.txt\n" {
		t.Errorf("ls of a file: %q", r.stdout)
	}
	r := expectCode(t, exitOK, "", "ls", "-l", "--passfile", pf, dir)
	mustContain(t, "ls -l", r.stdout, "drwxr-xr-x", "lrwxrwxrwx", "link -> a/b/file.txt")
	if r := expectCode(t, exitOK, "", "cat", "--passfile", pf, dir, "a/b/file.txt"); r.stdout != "hello\n" {
		t.Errorf("cat: %q", r.stdout)
	}
	expectCode(t, exitOther, "", "cat", "--passfile", pf, dir, "a")
	expectCode(t, exitOther, "", "ls", "--passfile", pf, dir, "missing")

	cipher := strings.TrimSpace(expectCode(t, exitOK, "", "path", "--passfile", pf, dir, "a/b/file.txt").stdout)
	if b, err := os.ReadFile(cipher); err != nil || len(b) != 18+16+6+16 || !strings.HasPrefix(cipher, dir+"/") {
		t.Fatalf("path printed %s: %d bytes, %v", cipher, len(b), err)
	}
	rel, _ := filepath.Rel(dir, cipher)
	for _, arg := range []string{cipher, rel, "./" + rel + "/"} {
		if r := expectCode(t, exitOK, "", "path", "--cipher", "--passfile", pf, dir, arg); r.stdout != "a/b/file.txt\n" {
			t.Errorf("path --cipher %s: %q", arg, r.stdout)
		}
	}
	if r := expectCode(t, exitOK, "", "path", "--cipher", "--passfile", pf, dir, dir); r.stdout != ".\n" {
		t.Errorf("path --cipher of the cipherdir: %q", r.stdout)
	}
	expectCode(t, exitOther, "", "path", "--cipher", "--passfile", pf, dir, "/etc/passwd")
	expectCode(t, exitOther, "", "path", "--cipher", "--passfile", pf, dir, "gocryptfs.diriv")
	expectCode(t, exitCorrupt, "", "path", "--cipher", "--passfile", pf, dir, filepath.Base(rel)+"x")
}

func TestPasswd(t *testing.T) {
	dir, oldPF, _ := makeVault(t, "old password")
	expectCode(t, exitOK, "", "import", "--passfile", oldPF, smallTree(t), dir)
	editConfig(t, dir, func(s string) string {
		return strings.Replace(s, "{", `{"FutureField": {"keep": [1, 2]},`, 1)
	})
	newPF := tempFile(t, "new", "new password\n")
	r := expectCode(t, exitOK, "", "passwd", "--passfile", oldPF, "--new-passfile", newPF, dir)
	mustContain(t, "passwd", r.stderr, "password changed")
	bak, err := os.ReadFile(filepath.Join(dir, "gocryptfs.conf.bak"))
	if err != nil || !strings.Contains(string(bak), "FutureField") {
		t.Errorf("gocryptfs.conf.bak: %v\n%s", err, bak)
	}
	conf, _ := os.ReadFile(filepath.Join(dir, "gocryptfs.conf"))
	mustContain(t, "new config", string(conf), `"FutureField": {`, `"keep": [`)
	expectCode(t, exitWrongKey, "", "ls", "--passfile", oldPF, dir)
	expectCode(t, exitOK, "", "ls", "--passfile", newPF, dir)
	// Stdin: the old password's line, then the new one's.
	expectCode(t, exitWrongKey, "old password\nnewest\n", "passwd", dir)
	expectCode(t, exitOK, "new password\nnewest\n", "passwd", "--scryptn", "11", dir)
	expectCode(t, exitOK, "newest\n", "cat", dir, "a/b/file.txt")
	mustContain(t, "info after passwd", expectCode(t, exitOK, "", "info", dir).stdout, "N=2048 (2^11)")
	expectCode(t, exitPasswordEmpty, "newest\n\n", "passwd", dir)
	expectCode(t, exitReadPassword, "newest\n", "passwd", dir)
}

func TestKeyOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "v")
	r := expectCode(t, exitOK, "", "init", "--scryptn", "10", "--key-only", dir)
	if !recoveryKey.MatchString(r.stdout) {
		t.Fatalf("init --key-only printed %q", r.stdout)
	}
	mustContain(t, "init --key-only", r.stderr, "ONLY way into this vault")
	key := strings.TrimSpace(r.stdout)
	expectCode(t, exitWrongKey, "guess\n", "ls", dir)
	// The key in another layout: upper case, spaces, line breaks.
	messy := strings.ToUpper(strings.ReplaceAll(key, "-", " ")[:40]) + "\n" + key[40:] + "\n"
	kf := tempFile(t, "key", messy)
	r = expectCode(t, exitOK, "", "ls", "--masterkey-file", kf, dir)
	if r.stderr != "" { // the config's key check verifies it, empty vault or not
		t.Errorf("ls of an empty vault by key: %s", r.stderr)
	}
	pf := tempFile(t, "pw", "now a password\n")
	expectCode(t, exitOK, "", "passwd", "--masterkey-file", kf, "--new-passfile", pf, dir)
	expectCode(t, exitOK, "", "import", "--passfile", pf, smallTree(t), dir)
	r = expectCode(t, exitOK, key+"\n", "cat", "--masterkey-file", "-", dir, "a/b/file.txt")
	if r.stdout != "hello\n" || strings.Contains(r.stderr, "warning") {
		t.Errorf("cat by key from stdin: %q, %q", r.stdout, r.stderr)
	}
}

func TestWrongRecoveryKey(t *testing.T) {
	dir, pf, key := makeVault(t, "pw")
	expectCode(t, exitOK, "", "import", "--passfile", pf, smallTree(t), dir)
	other := strings.Repeat("0123abcd", 8)
	r := expectCode(t, exitWrongKey, "", "ls", "--masterkey-file", tempFile(t, "k", other), dir)
	mustContain(t, "wrong key", r.stderr, "error: the recovery key does not belong to the vault")
	expectCode(t, exitWrongKey, "", "passwd", "--masterkey-file", tempFile(t, "k", other), "--new-passfile", pf, dir)
	r = expectCode(t, exitOK, "", "ls", "--masterkey-file", tempFile(t, "k", key), dir)
	if r.stderr != "" {
		t.Errorf("right key: stderr %q", r.stderr)
	}
}

func TestUnsupportedFlag(t *testing.T) {
	for _, tc := range []struct{ flag, hint string }{
		{"AESSIV", "gocryptfs can open it"},
		{"Bogus", "made by a newer program"},
	} {
		dir, pf, _ := makeVault(t, "pw")
		editConfig(t, dir, func(s string) string {
			return strings.Replace(s, `"Raw64"`, `"Raw64", "`+tc.flag+`"`, 1)
		})
		for _, args := range [][]string{{"ls", "--passfile", pf, dir}, {"info", dir}} {
			r := expectCode(t, exitUnsupported, "", args...)
			mustContain(t, tc.flag, r.stderr, `error: vault `+dir+` is not supported: feature flag "`+tc.flag+`"`, "hint: ", tc.hint)
		}
		if r := runIn(t, "", "info", dir); !strings.Contains(r.stdout, tc.flag) {
			t.Errorf("info does not describe the unsupported vault:\n%s", r.stdout)
		}
	}
}
