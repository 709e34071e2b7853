package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The attacks of issue 13, done the way an attacker does them: with cp,
// mv, truncate, dd and rm on the cipherdir, never with the key.

// sealedVault makes a vault with a small tree imported (import seals),
// on a machine whose state directory is a fresh temporary directory.
func sealedVault(t *testing.T) (dir, pf string) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir, pf, _ = makeVault(t, "verify password")
	src := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(src, "docs"), 0o755))
	for name, size := range map[string]int{"docs/a.txt": 3 * 4096, "docs/b.txt": 2*4096 + 10, "top": 5} {
		must(t, os.WriteFile(filepath.Join(src, name), []byte(strings.Repeat("x", size)), 0o644))
	}
	expectCode(t, exitOK, "", "import", "--passfile", pf, src, dir)
	return dir, pf
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// cipherOf returns the backing path of a plaintext path.
func cipherOf(t *testing.T, dir, pf, plain string) string {
	t.Helper()
	r := expectCode(t, exitOK, "", "path", "--passfile", pf, dir, plain)
	return strings.TrimSpace(r.stdout)
}

// attacker runs a shell command on the cipherdir.
func attacker(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// verifyFinds runs verify and checks that it exits 26 and reports
// exactly the given "kind: plain path" lines (in order).
func verifyFinds(t *testing.T, dir, pf string, want ...string) result {
	t.Helper()
	r := expectCode(t, exitCorrupt, "", "verify", "--passfile", pf, dir)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	slices.Sort(lines) // "kind: plain path" order
	if len(lines) != len(want) {
		t.Fatalf("verify printed:\n%s\nwant %d lines: %q", r.stdout, len(want), want)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w+" (") {
			t.Errorf("line %q, want it to start with %q", lines[i], w)
		}
	}
	return r
}

func TestVerifyCleanVault(t *testing.T) {
	dir, pf := sealedVault(t)
	r := expectCode(t, exitOK, "", "verify", "--passfile", pf, dir)
	mustContain(t, "stderr", r.stderr, "matches its sealed manifest")
	if r.stdout != "" {
		t.Errorf("stdout: %q", r.stdout)
	}
	// A vault gocryptfs made (no manifest) verifies, and says so.
	plain, pf2, _ := makeVault(t, "other")
	r = expectCode(t, exitOK, "", "verify", "--passfile", pf2, plain)
	mustContain(t, "stderr", r.stderr, "no manifest yet")
	// fsck is clean on a sealed vault: the manifest is no foreign file.
	r = expectCode(t, exitOK, "", "fsck", "--passfile", pf, dir)
	mustContain(t, "fsck", r.stderr, "no problems")
}

func TestVerifyFileRolledBack(t *testing.T) {
	dir, pf := sealedVault(t)
	c := cipherOf(t, dir, pf, "docs/a.txt")
	old := filepath.Join(t.TempDir(), "old")
	attacker(t, "cp", "-a", c, old)
	src := t.TempDir()
	must(t, os.WriteFile(filepath.Join(src, "a.txt"), []byte("new content"), 0o644))
	expectCode(t, exitOK, "", "import", "--passfile", pf, "--force", "--path", "docs", src, dir)
	expectCode(t, exitOK, "", "verify", "--passfile", pf, dir)
	attacker(t, "cp", "-a", old, cipherOf(t, dir, pf, "docs/a.txt"))
	verifyFinds(t, dir, pf, "changed outside cofferfs: docs/a.txt")
	// fsck runs the same check and lists it as a note.
	r := expectCode(t, exitOK, "", "fsck", "--passfile", pf, dir)
	mustContain(t, "fsck", r.stdout, "manifest mismatch: docs/a.txt")
	mustContain(t, "fsck", r.stderr, "differs from its sealed manifest in 1 entry")
	// --accept seals it; then it matches.
	expectCode(t, exitOK, "", "verify", "--accept", "--passfile", pf, dir)
	expectCode(t, exitOK, "", "verify", "--passfile", pf, dir)
}

func TestVerifySwapTruncateZeroDelete(t *testing.T) {
	dir, pf := sealedVault(t)
	a, b := cipherOf(t, dir, pf, "docs/a.txt"), cipherOf(t, dir, pf, "docs/b.txt")
	attacker(t, "mv", a, a+".x")
	attacker(t, "mv", b, a)
	attacker(t, "mv", a+".x", b)
	r := verifyFinds(t, dir, pf, "swapped: docs/a.txt", "swapped: docs/b.txt")
	mustContain(t, "stdout", r.stdout, "holds the file sealed as")
	expectCode(t, exitOK, "", "verify", "--accept", "-q", "--passfile", pf, dir)

	attacker(t, "truncate", "-s", "8274", a) // header + 2 blocks of 4128
	verifyFinds(t, dir, pf, "truncated: docs/a.txt")
	expectCode(t, exitOK, "", "verify", "--accept", "-q", "--passfile", pf, dir)

	attacker(t, "dd", "if=/dev/zero", "of="+b, "bs=4128", "seek=4146", "oflag=seek_bytes", "count=1", "conv=notrunc", "status=none")
	r = verifyFinds(t, dir, pf, "blocks zeroed: docs/b.txt")
	mustContain(t, "stdout", r.stdout, "block 1 read as zeros")
	expectCode(t, exitOK, "", "verify", "--accept", "-q", "--passfile", pf, dir)

	attacker(t, "rm", cipherOf(t, dir, pf, "top"))
	verifyFinds(t, dir, pf, "missing: top")
}

func TestVerifyJSON(t *testing.T) {
	dir, pf := sealedVault(t)
	attacker(t, "rm", cipherOf(t, dir, pf, "top"))
	r := expectCode(t, exitCorrupt, "", "verify", "--json", "--passfile", pf, dir)
	mustContain(t, "json", r.stdout, `"status": "mismatch"`, `"kind": "missing"`, `"path": "top"`, `"exit_code": 26`)
}

func TestVerifyWholeVaultRollback(t *testing.T) {
	dir, pf := sealedVault(t)
	machineA := os.Getenv("XDG_STATE_HOME")
	snapshot := filepath.Join(t.TempDir(), "snap")
	attacker(t, "cp", "-a", dir, snapshot)
	src := t.TempDir()
	must(t, os.WriteFile(filepath.Join(src, "later"), []byte("later"), 0o644))
	expectCode(t, exitOK, "", "import", "--passfile", pf, src, dir)
	attacker(t, "rm", "-rf", dir)
	attacker(t, "cp", "-a", snapshot, dir)
	r := verifyFinds(t, dir, pf, "vault rolled back: the vault")
	mustContain(t, "stdout", r.stdout, "older than generation")
	// Another machine never saw the newer vault: it trusts on first use.
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	r = expectCode(t, exitOK, "", "verify", "--passfile", pf, dir)
	mustContain(t, "stderr", r.stderr, "first use of this vault on this machine")
	t.Setenv("XDG_STATE_HOME", machineA)
	expectCode(t, exitCorrupt, "", "verify", "-q", "--passfile", pf, dir)
}

// Two copies of a vault, each changed and sealed by its own cofferfs,
// merged as a sync client would (each side's new files copied over),
// with a conflict copy of a manifest: both verify clean.
func TestVerifyTwoMachinesMerged(t *testing.T) {
	dirA, pf := sealedVault(t)
	stateA := os.Getenv("XDG_STATE_HOME")
	dirB := filepath.Join(t.TempDir(), "b")
	attacker(t, "cp", "-a", dirA, dirB)
	stateB := t.TempDir()
	importOne := func(dir, state, name string) {
		t.Setenv("XDG_STATE_HOME", state)
		src := t.TempDir()
		must(t, os.WriteFile(filepath.Join(src, name), []byte(name), 0o644))
		expectCode(t, exitOK, "", "import", "--passfile", pf, "--path", "docs", src, dir)
	}
	importOne(dirA, stateA, "fromA")
	importOne(dirB, stateB, "fromB")
	// The sync client: every file one side has newer or the other lacks.
	attacker(t, "cp", "-a", "-u", "-r", dirB+"/.", dirA)
	attacker(t, "cp", "-a", "-u", "-r", dirA+"/.", dirB)
	ms, err := filepath.Glob(filepath.Join(dirA, "gocryptfs.longname.cofferfs-seal-*.name"))
	if err != nil || len(ms) != 2 {
		t.Fatalf("manifests %v %v", ms, err)
	}
	conflict := strings.TrimSuffix(ms[0], ".name") + " (conflicted copy 2026-12-01).name"
	attacker(t, "cp", "-a", ms[0], conflict)
	for _, m := range []struct{ dir, state string }{{dirA, stateA}, {dirB, stateB}, {dirA, stateB}} {
		t.Setenv("XDG_STATE_HOME", m.state)
		expectCode(t, exitOK, "", "verify", "--passfile", pf, m.dir)
	}
	expectCode(t, exitOK, "", "fsck", "--passfile", pf, dirA)
}
