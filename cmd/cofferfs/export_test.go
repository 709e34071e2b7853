package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/transfer/transfertest"
)

// manifestOf returns the manifest of a plain directory.
func manifestOf(t *testing.T, dir string) string {
	t.Helper()
	m, err := fstest.Manifest(fstest.DirTree(dir))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// unlockArgs returns the two ways to unlock a reference vault.
func unlockArgs(t *testing.T, name string) map[string][]string {
	return map[string][]string{
		"password":  {"--passfile", filepath.Join(fstest.GoldenDir(t), "password.txt")},
		"masterkey": {"--masterkey-file", tempFile(t, "key", fstest.MasterKey(t, name)+"\n")},
	}
}

func TestExportReferenceVaults(t *testing.T) {
	want := fstest.ReadGolden(t, "plaintext-manifest.txt")
	for _, name := range []string{"aesgcm", "xchacha"} {
		for how, unlock := range unlockArgs(t, name) {
			t.Run(name+"/"+how, func(t *testing.T) {
				dir := fstest.ExtractVault(t, name)
				dest := filepath.Join(t.TempDir(), "out")
				args := append(append([]string{"export"}, unlock...), dir, dest)
				r := expectCode(t, exitOK, "", args...)
				if r.stdout != "" || strings.Contains(r.stderr, "error") || strings.Contains(r.stderr, "warning") {
					t.Errorf("export printed:\n%s\n%s", r.stdout, r.stderr)
				}
				if got := manifestOf(t, dest); got != want {
					t.Errorf("manifest:\n%s\nwant:\n%s", got, want)
				}
				if !transfertest.IsSparse(t, filepath.Join(dest, "sparse.bin")) {
					t.Error("sparse.bin is not sparse")
				}
			})
		}
	}
}

func TestReferenceLsCat(t *testing.T) {
	dir := fstest.ExtractVault(t, "aesgcm")
	pf := filepath.Join(fstest.GoldenDir(t), "password.txt")
	r := expectCode(t, exitOK, "", "ls", "--passfile", pf, dir, "a/b/c")
	if r.stdout != "file.txt\n" {
		t.Errorf("ls a/b/c: %q", r.stdout)
	}
	r = expectCode(t, exitOK, "", "cat", "--passfile", pf, dir, "a/b/c/file.txt")
	if r.stdout != "nested file content\n" {
		t.Errorf("cat: %q", r.stdout)
	}
	long := "long-name-" + strings.Repeat("x", 186) + ".txt"
	cipher := expectCode(t, exitOK, "", "path", "--passfile", pf, dir, long).stdout
	if !strings.Contains(cipher, "gocryptfs.longname.") {
		t.Errorf("path of the long name: %q", cipher)
	}
	for _, c := range []string{strings.TrimSpace(cipher), strings.TrimSpace(cipher) + ".name"} {
		if r := expectCode(t, exitOK, "", "path", "--cipher", "--passfile", pf, dir, c); r.stdout != long+"\n" {
			t.Errorf("path --cipher %s: %q", c, r.stdout)
		}
	}
}

func TestExportCorruptVault(t *testing.T) {
	dir := fstest.ExtractVault(t, "aesgcm")
	pf := filepath.Join(fstest.GoldenDir(t), "password.txt")
	cipher := strings.TrimSpace(expectCode(t, exitOK, "", "path", "--passfile", pf, dir, "100000.bin").stdout)
	f, err := os.OpenFile(cipher, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{0xde, 0xad}, int64(crypto.HeaderSize+16+3+4096+32)) // block 1
	f.Close()
	aDir := strings.TrimSpace(expectCode(t, exitOK, "", "path", "--passfile", pf, dir, "a").stdout)
	garbage := filepath.Join(aDir, "!!garbage")
	if err := os.WriteFile(garbage, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	dest := filepath.Join(t.TempDir(), "out")
	r := expectCode(t, exitCorrupt, "", "export", "--passfile", pf, dir, dest)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	want := []string{
		"cofferfs: error: 100000.bin (" + cipher + "): block 1 does not decrypt: authentication failed (damaged or tampered ciphertext)",
		"cofferfs: error: a (" + garbage + "): name does not decrypt: not a valid encrypted name in this directory",
		"cofferfs: error: 2 entries could not be decrypted (see above)",
	}
	if len(lines) != 4 || lines[0] != want[0] || lines[1] != want[1] || !strings.HasPrefix(lines[2], "cofferfs: exported 8 files") || lines[3] != want[2] {
		t.Errorf("stderr:\n%s\nwant:\n%s\n(and a summary line)", r.stderr, strings.Join(want, "\n"))
	}
	var kept []string
	for _, l := range strings.SplitAfter(fstest.ReadGolden(t, "plaintext-manifest.txt"), "\n") {
		if !strings.HasPrefix(l, "100000.bin\t") {
			kept = append(kept, l)
		}
	}
	if got := manifestOf(t, dest); got != strings.Join(kept, "") {
		t.Errorf("manifest after damage:\n%s", got)
	}
	r = expectCode(t, exitCorrupt, "", "ls", "--passfile", pf, dir, "a")
	mustContain(t, "ls", r.stderr, want[1], "1 entry could not be decrypted")
	if r.stdout != "b\n" {
		t.Errorf("ls a: %q", r.stdout)
	}
	r = expectCode(t, exitCorrupt, "", "cat", "--passfile", pf, dir, "100000.bin")
	if len(r.stdout) != 0 || r.stderr != want[0]+"\n" {
		t.Errorf("cat of a damaged file: %d bytes, stderr %q", len(r.stdout), r.stderr)
	}
}

func TestImportExport(t *testing.T) {
	dir, pf, _ := makeVault(t, "pw")
	src := t.TempDir()
	transfertest.MakeTree(t, src)
	r := expectCode(t, exitOK, "", "import", "--passfile", pf, src, dir)
	mustContain(t, "import summary", r.stderr, "imported 14 files", "7 directories", "3 symlinks", "2 hard links", "1 special file")
	dest := filepath.Join(t.TempDir(), "out")
	expectCode(t, exitOK, "", "export", "--passfile", pf, dir, dest)
	transfertest.Compare(t, src, dest)
	if !transfertest.IsSparse(t, filepath.Join(dest, transfertest.SparseName)) {
		t.Error("sparse file not sparse after the round trip")
	}
	r = expectCode(t, exitPlainDir, "", "import", "--passfile", pf, src, dir)
	mustContain(t, "second import", r.stderr, "entries already exist in the vault", "hint: use --force")
	expectCode(t, exitOK, "", "import", "-q", "--force", "--passfile", pf, src, dir)
	expectCode(t, exitOK, "", "import", "--path", "copy/of/it", "--passfile", pf, filepath.Join(src, "nested"), dir)
	sub := filepath.Join(t.TempDir(), "sub")
	r = expectCode(t, exitOK, "", "export", "-q", "--path", "copy/of/it", "--passfile", pf, dir, sub)
	if r.stderr != "" {
		t.Errorf("export -q printed %q", r.stderr)
	}
	transfertest.Compare(t, filepath.Join(src, "nested"), sub)
	expectCode(t, exitOther, "", "export", "--path", "missing", "--passfile", pf, dir, filepath.Join(t.TempDir(), "x"))
}

// A set-uid or set-gid bit is metadata the cloud can set without the
// key: export drops it unless --keep-setid.
func TestExportDropsSetID(t *testing.T) {
	dir, pw, _ := makeVault(t, "setid")
	src := t.TempDir()
	for name, mode := range map[string]os.FileMode{"suid": 0o755 | os.ModeSetuid, "sgid": 0o755 | os.ModeSetgid} {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(src, "shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(src, "shared"), 0o755|os.ModeSetgid)
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pw, src, dir)
	modes := func(args ...string) map[string]os.FileMode {
		dest := filepath.Join(t.TempDir(), "out")
		expectCode(t, exitOK, "", append(append([]string{"export", "-q", "--passfile", pw}, args...), dir, dest)...)
		got := map[string]os.FileMode{}
		for _, name := range []string{"suid", "sgid", "shared"} {
			fi, err := os.Lstat(filepath.Join(dest, name))
			if err != nil {
				t.Fatal(err)
			}
			got[name] = fi.Mode() &^ os.ModeDir
		}
		return got
	}
	setgid := 0o755 | os.ModeSetgid
	want := map[string]os.FileMode{"suid": 0o755, "sgid": 0o755, "shared": setgid}
	if got := modes(); !maps.Equal(got, want) {
		t.Errorf("export: modes %v, want %v", got, want)
	}
	want = map[string]os.FileMode{"suid": 0o755 | os.ModeSetuid, "sgid": setgid, "shared": setgid}
	if got := modes("--keep-setid"); !maps.Equal(got, want) {
		t.Errorf("export --keep-setid: modes %v, want %v", got, want)
	}
}
