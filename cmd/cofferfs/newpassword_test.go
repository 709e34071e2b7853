package main

import (
	"path/filepath"
	"strings"
	"testing"
)

const strongPw = "Tr0ub4dor&3 horse Battery staple"

// TestNewPasswordOnTerminal: init refuses an empty password at the first
// prompt and asks again, asks again after a mismatch, and gives up after
// three tries.
func TestNewPasswordOnTerminal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "v")
	code, out, screen := ptyDialog(t,
		[]string{"Password: ", "Password: ", "Repeat password: ", "Password: ", "Repeat password: "},
		[]string{"", strongPw, "different", strongPw, strongPw},
		"init", "--scryptn", "10", dir)
	if code != exitOK || !recoveryKey.MatchString(out) {
		t.Fatalf("exit %d, stdout %q; terminal:\n%s", code, out, screen)
	}
	mustContain(t, "terminal", screen, "the password is empty", "the passwords do not match")
	if strings.Contains(screen, "weak") {
		t.Errorf("a strong password was called weak:\n%s", screen)
	}
	p := []string{"Password: ", "Repeat password: "}
	code, _, screen = ptyDialog(t, append(append(p, p...), p...),
		[]string{"a1", "b1", "a2", "b2", "a3", "b3"}, "init", "--scryptn", "10", filepath.Join(t.TempDir(), "w"))
	if code != exitReadPassword {
		t.Errorf("three mismatches: exit %d, want %d\n%s", code, exitReadPassword, screen)
	}
}

// TestPasswdPrompts: passwd asks "Current password" and then "New
// password" twice.
func TestPasswdPrompts(t *testing.T) {
	dir, _, _ := makeVault(t, "old password here")
	code, _, screen := ptyDialog(t,
		[]string{"Current password: ", "New password: ", "Repeat new password: "},
		[]string{"old password here", strongPw, strongPw}, "passwd", "--no-backup", dir)
	if code != exitOK {
		t.Fatalf("exit %d; terminal:\n%s", code, screen)
	}
	mustContain(t, "terminal", screen, "Current password: ", "New password: ", "Repeat new password: ")
	expectCode(t, exitOK, "", "ls", "--passfile", tempFile(t, "pw", strongPw+"\n"), dir)
}

// TestWeakPasswordWarning: init and passwd warn about a weak new
// password with an estimate of its strength, and not about a strong one.
func TestWeakPasswordWarning(t *testing.T) {
	weak := tempFile(t, "weak", "abc123\n")
	r := expectCode(t, exitOK, "", "init", "--scryptn", "10", "--passfile", weak, filepath.Join(t.TempDir(), "v"))
	mustContain(t, "init", r.stderr, "warning: weak password", "bits")
	r = expectCode(t, exitOK, "", "init", "--scryptn", "10", "--passfile", tempFile(t, "s", strongPw+"\n"), filepath.Join(t.TempDir(), "s"))
	if strings.Contains(r.stderr, "weak") {
		t.Errorf("a strong password was called weak:\n%s", r.stderr)
	}
	dir, pf, _ := makeVault(t, strongPw)
	r = expectCode(t, exitOK, "", "passwd", "--passfile", pf, "--new-passfile", weak, "--no-backup", dir)
	mustContain(t, "passwd", r.stderr, "warning: weak password", "bits")
	for pw, weakOne := range map[string]bool{"aaaaaaaaaaaaaaaaaaaa": true, "password1234": true, "12345678901234567890": true, strongPw: false} {
		if bits := passwordBits([]byte(pw)); (bits < weakBits) != weakOne {
			t.Errorf("%q: %.0f bits", pw, bits)
		}
	}
}
