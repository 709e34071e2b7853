package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cipherPathOf returns the absolute backing path of a plaintext path.
func cipherPathOf(t *testing.T, dir, pw, plain string) string {
	t.Helper()
	r := expectCode(t, exitOK, "", "path", "--passfile", pw, dir, plain)
	return strings.TrimSpace(r.stdout)
}

// flipByte damages one byte of a file.
func flipByte(t *testing.T, p string, off int) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x40
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFsckCommand(t *testing.T) {
	dir, pw, _ := makeVault(t, "pw")
	src := smallTree(t)
	if err := os.WriteFile(filepath.Join(src, "big.bin"), make([]byte, 3*4096+5), 0o644); err != nil {
		t.Fatal(err)
	}
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pw, src, dir)
	r := expectCode(t, exitOK, "", "fsck", "--passfile", pw, dir)
	if r.stdout != "" {
		t.Errorf("clean fsck printed %q", r.stdout)
	}
	mustContain(t, "summary", r.stderr, "no problems")

	big := cipherPathOf(t, dir, pw, "big.bin")
	flipByte(t, big, 18+4128+100) // block 1
	file := cipherPathOf(t, dir, pw, "a/b/file.txt")
	old, _ := os.ReadFile(file)
	if err := os.WriteFile(file+" (conflicted copy 2026-11-26)", old, 0o644); err != nil {
		t.Fatal(err)
	}
	r = expectCode(t, exitCorrupt, "", "fsck", "--passfile", pw, dir)
	mustContain(t, "findings", r.stdout, "corrupt block: big.bin ("+big+") block 1: ",
		"conflict copy: a/b/file (conflicted copy 2026-11-26).txt ("+file+" (conflicted copy 2026-11-26)): ")
	mustContain(t, "summary", r.stderr, "2 problems")

	r = expectCode(t, exitCorrupt, "", "fsck", "--json", "--passfile", pw, dir)
	var rep struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exit_code"`
		Problems int    `json:"problems"`
		Findings []struct {
			Kind       string `json:"kind"`
			Path       string `json:"path"`
			CipherPath string `json:"cipher_path"`
			Blocks     *struct{ First, Last int }
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, r.stdout)
	}
	if rep.Status != "problems" || rep.ExitCode != exitCorrupt || rep.Problems != 2 || len(rep.Findings) != 2 {
		t.Errorf("JSON report: %+v", rep)
	}
	for _, f := range rep.Findings {
		if f.Kind == "corrupt block" && (f.Path != "big.bin" || f.Blocks == nil || f.Blocks.First != 1 || filepath.Join(dir, f.CipherPath) != big) {
			t.Errorf("corrupt block finding: %+v", f)
		}
	}

	r = expectCode(t, exitRepaired, "", "fsck", "--repair", "--passfile", pw, dir)
	mustContain(t, "repair", r.stdout, "repaired: moved to lost+found/big.bin", "repaired: now an ordinary entry")
	mustContain(t, "summary", r.stderr, "all repaired")
	expectCode(t, exitOK, "", "fsck", "--passfile", pw, dir)
	r = expectCode(t, exitOK, "", "ls", "--passfile", pw, dir, "lost+found")
	mustContain(t, "lost+found", r.stdout, "big.bin\n", "big.bin.damaged-ciphertext\n")
	if _, err := exec.LookPath("gocryptfs"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("gocryptfs not installed (CI=true)")
		}
		t.Skip("gocryptfs not installed")
	}
	if out, err := exec.Command("gocryptfs", "-q", "-nosyslog", "-passfile", pw, "-fsck", dir).CombinedOutput(); err != nil {
		t.Fatalf("gocryptfs -fsck after repair: %v\n%s", err, out)
	}
}

func TestFsckNotSynced(t *testing.T) {
	dir, pw, _ := makeVault(t, "pw")
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pw, smallTree(t), dir)
	file := cipherPathOf(t, dir, pw, "a/b/file.txt")
	if err := os.Truncate(file, 7); err != nil {
		t.Fatal(err)
	}
	r := expectCode(t, exitCorrupt, "", "fsck", "--repair", "--passfile", pw, dir)
	mustContain(t, "fsck", r.stdout, "not fully synced: a/b/file.txt", "left alone: wait for the sync client")
	r = expectCode(t, exitCorrupt, "", "cat", "--passfile", pw, dir, "a/b/file.txt")
	mustContain(t, "cat", r.stderr, "not fully synced yet")
	if st, err := os.Stat(file); err != nil || st.Size() != 7 {
		t.Errorf("repair touched a file not fully synced: %v", err)
	}
}

func TestInitProfile(t *testing.T) {
	dir, _, _ := makeVault(t, "pw", "--profile", "onedrive")
	r := expectCode(t, exitOK, "", "info", dir)
	mustContain(t, "info", r.stdout, "86")
	for _, args := range [][]string{{"--profile", "nope"}, {"--profile", "dropbox", "--longnamemax", "255"}} {
		r := expectCode(t, exitUsage, "pw\n", append(append([]string{"init", "--scryptn", "10"}, args...), filepath.Join(t.TempDir(), "v"))...)
		mustContain(t, "error", r.stderr, "--profile")
	}
	makeVault(t, "pw", "--profile", "syncthing", "--longnamemax", "128")
}

func TestCheckPaths(t *testing.T) {
	dir, pw, _ := makeVault(t, "pw", "--profile", "syncthing")
	src := t.TempDir()
	deep := filepath.Join(src, strings.Repeat("d", 60), strings.Repeat("e", 60), strings.Repeat("f", 60), strings.Repeat("g", 60))
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pw, src, dir)
	expectCode(t, exitOK, "", "check-paths", "--profile", "syncthing", "--passfile", pw, dir)
	r := expectCode(t, exitCorrupt, "", "check-paths", "--profile", "dropbox", "--passfile", pw, dir)
	mustContain(t, "check-paths", r.stdout, "path too long (", " > 260 characters): "+strings.Repeat("d", 60)+"/")
	mustContain(t, "summary", r.stderr, "for Dropbox")
	// Two backing names that differ only in case.
	d := cipherPathOf(t, dir, pw, strings.Repeat("d", 60))
	if err := os.WriteFile(filepath.Join(filepath.Dir(d), strings.ToUpper(filepath.Base(d))), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r = expectCode(t, exitCorrupt, "", "check-paths", "--profile", "syncthing", "--passfile", pw, dir)
	mustContain(t, "check-paths", r.stdout, "differs only in case from ", strings.Repeat("d", 60), strings.ToUpper(filepath.Base(d)))
	expectCode(t, exitUsage, "", "check-paths", "--root", t.TempDir(), "--passfile", pw, dir)
	expectCode(t, exitUsage, "", "check-paths", "--profile", "nope", "--passfile", pw, dir)
}

func TestExitCodesListRepaired(t *testing.T) {
	r := expectCode(t, exitOK, "", "help", "exit-codes")
	mustContain(t, "exit codes", r.stdout, "33", "fsck --repair")
}
