package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// result is what one in-process run of the command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runIn runs the command in-process with stdin and returns what it did.
func runIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// expectCode runs the command and fails unless it exits with code.
func expectCode(t *testing.T, code int, stdin string, args ...string) result {
	t.Helper()
	r := runIn(t, stdin, args...)
	if r.code != code {
		t.Fatalf("cofferfs %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stack trace on stderr:\n%s", r.stderr)
	}
	return r
}

// tempFile writes content to a new file in a temporary directory.
func tempFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var recoveryKey = regexp.MustCompile(`^[0-9a-f]{8}(-[0-9a-f]{8}){7}\n$`)

// makeVault creates a vault with password pw (cheap scrypt) and extra init
// flags; it returns the cipherdir, the passfile and the recovery key.
func makeVault(t *testing.T, pw string, flags ...string) (dir, passfile, key string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "vault")
	passfile = tempFile(t, "pw", pw+"\n")
	args := append([]string{"init", "--scryptn", "10", "--passfile", passfile}, flags...)
	r := expectCode(t, exitOK, "", append(args, dir)...)
	if !recoveryKey.MatchString(r.stdout) {
		t.Fatalf("init printed %q on stdout, want only the recovery key", r.stdout)
	}
	return dir, passfile, strings.TrimSpace(r.stdout)
}

// mustContain fails unless s contains every one of subs.
func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}
