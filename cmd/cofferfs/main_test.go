package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
)

func TestUsage(t *testing.T) {
	dir, pf, _ := makeVault(t, "pw")
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string // substring expected on stdout
		stderr string // substring expected on stderr
	}{
		{nil, exitUsage, "", "Commands:"},
		{[]string{"frobnicate"}, exitUsage, "", `error: unknown command "frobnicate"`},
		{[]string{"help"}, exitOK, "cofferfs export [unlock]", ""},
		{[]string{"-h"}, exitOK, "Commands:", ""},
		{[]string{"--help"}, exitOK, "Commands:", ""},
		{[]string{"help", "init"}, exitOK, "--scryptn N", ""},
		{[]string{"init", "-h"}, exitOK, "--key-only", ""},
		{[]string{"help", "ls"}, exitOK, "--masterkey-file FILE", ""},
		{[]string{"help", "exit-codes"}, exitOK, "26   some entries did not decrypt", ""},
		{[]string{"help", "nope"}, exitUsage, "", `unknown command "nope"`},
		{[]string{"version"}, exitOK, "cofferfs ", ""},
		{[]string{"--version"}, exitOK, "cofferfs ", ""},
		{[]string{"version", "x"}, exitUsage, "", "too many arguments"},
		{[]string{"init"}, exitUsage, "", "init: missing arguments"},
		{[]string{"init", "a", "b"}, exitUsage, "", "too many arguments: b"},
		{[]string{"init", "--bogus", "x"}, exitUsage, "", "unknown flag --bogus"},
		{[]string{"init", "--scryptn", "9", "x"}, exitUsage, "", fmt.Sprintf("--scryptn 9 is outside 10..%d", crypto.MaxScryptLogN)},
		{[]string{"init", "--scryptn", fmt.Sprint(crypto.MaxScryptLogN + 1), "x"}, exitUsage, "", "outside"},
		{[]string{"init", "--longnamemax", "61", "x"}, exitUsage, "", "--longnamemax 61"},
		{[]string{"init", "--longnamemax", "256", "x"}, exitUsage, "", "--longnamemax 256"},
		{[]string{"init", "--masterkey-file", "k", "x"}, exitUsage, "", "cannot be used with init"},
		{[]string{"init", "--key-only", "--passfile", pf, "x"}, exitUsage, "", "--key-only sets no password"},
		{[]string{"ls", "--passfile", pf, "--extpass", "echo x", dir}, exitUsage, "", "use only one of"},
		{[]string{"ls", "--passfile", pf, "--masterkey-file", pf, dir}, exitUsage, "", "use only one of"},
		{[]string{"ls"}, exitUsage, "", "hint: usage: cofferfs ls [unlock] [-l] CIPHERDIR [PATH]"},
		{[]string{"cat", dir}, exitUsage, "", "missing arguments"},
		{[]string{"export", dir}, exitUsage, "", "missing arguments"},
		{[]string{"passwd", "--scryptn", "5", dir}, exitUsage, "", "--scryptn 5"},
		{[]string{"info", dir, "extra"}, exitUsage, "", "too many arguments"},
		// Flags after and between the arguments, and "--".
		{[]string{"ls", dir, "--passfile", pf}, exitOK, "", ""},
		{[]string{"ls", "-passfile", pf, dir}, exitOK, "", ""},
		{[]string{"ls", "--passfile", pf, "--", dir}, exitOK, "", ""},
		{[]string{"ls", "--passfile", pf, "--", dir, "-l"}, exitNotFound, "", "-l"},
	} {
		r := runIn(t, "", tc.args...)
		name := strings.Join(tc.args, " ")
		if r.code != tc.code {
			t.Errorf("%q: exit %d, want %d\n%s", name, r.code, tc.code, r.stderr)
		}
		mustContain(t, name+": stdout", r.stdout, tc.stdout)
		mustContain(t, name+": stderr", r.stderr, tc.stderr)
		if tc.code == exitUsage && !strings.Contains(r.stderr, "cofferfs: error: ") {
			t.Errorf("%q: no error line:\n%s", name, r.stderr)
		}
	}
}

func TestExitCodes(t *testing.T) {
	dir, pf, _ := makeVault(t, "right")
	tmp := t.TempDir()
	notVault := filepath.Join(tmp, "plain")
	os.Mkdir(notVault, 0o755)
	nonEmpty := filepath.Join(tmp, "nonempty")
	os.Mkdir(nonEmpty, 0o755)
	os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o644)
	badJSON := filepath.Join(tmp, "badjson")
	os.Mkdir(badJSON, 0o755)
	os.WriteFile(filepath.Join(badJSON, "gocryptfs.conf"), []byte("{"), 0o400)
	badConf := filepath.Join(tmp, "badconf")
	os.Mkdir(badConf, 0o755)
	os.WriteFile(filepath.Join(badConf, "gocryptfs.conf"), []byte(`{"Version": 3}`), 0o400)
	dirConf := filepath.Join(tmp, "dirconf")
	os.MkdirAll(filepath.Join(dirConf, "gocryptfs.conf"), 0o755)
	wrong := tempFile(t, "wrong", "wrong\n")
	empty := tempFile(t, "empty", "\n")
	notKey := tempFile(t, "notkey", "0123-not-a-key\n")
	for _, tc := range []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stderr string
	}{
		{"info missing dir", []string{"info", filepath.Join(tmp, "missing")}, "", exitCipherDir, "no such file"},
		{"info file", []string{"info", pf}, "", exitCipherDir, "not a directory"},
		{"info not a vault", []string{"info", notVault}, "", exitCipherDir, "is not a gocryptfs vault"},
		{"ls not a vault", []string{"ls", "--passfile", pf, notVault}, "", exitCipherDir, "hint: create a vault with: cofferfs init"},
		{"init not empty", []string{"init", "--scryptn", "10", "--passfile", pf, nonEmpty}, "", exitCipherDir, "is not empty"},
		{"init no parent", []string{"init", "--scryptn", "10", "--passfile", pf, filepath.Join(tmp, "a", "b")}, "", exitCipherDir, "create cipherdir"},
		{"init vault", []string{"init", "--scryptn", "10", "--passfile", pf, dir}, "", exitCipherDir, "is not empty"},
		{"info bad json", []string{"info", badJSON}, "", exitLoadConf, "not a valid gocryptfs.conf"},
		{"ls bad json", []string{"ls", "--passfile", pf, badJSON}, "", exitLoadConf, "not a valid gocryptfs.conf"},
		{"ls bad version", []string{"ls", "--passfile", pf, badConf}, "", exitLoadConf, "Version"},
		{"ls config is a dir", []string{"ls", "--passfile", pf, dirConf}, "", exitOpenConf, "not a regular file"},
		{"missing passfile", []string{"ls", "--passfile", filepath.Join(tmp, "nope"), dir}, "", exitReadPassword, "read password"},
		{"failing extpass", []string{"ls", "--extpass", "exit 3", dir}, "", exitReadPassword, "extpass"},
		{"no stdin line", []string{"ls", dir}, "", exitReadPassword, "no line on stdin"},
		{"empty passfile", []string{"ls", "--passfile", empty, dir}, "", exitPasswordEmpty, "password is empty"},
		{"empty stdin", []string{"ls", dir}, "\n", exitPasswordEmpty, "password is empty"},
		{"empty extpass", []string{"ls", "--extpass", "echo", dir}, "", exitPasswordEmpty, "password is empty"},
		{"empty at init", []string{"init", "--scryptn", "10", filepath.Join(tmp, "new")}, "\n", exitPasswordEmpty, "empty"},
		{"wrong passfile", []string{"ls", "--passfile", wrong, dir}, "", exitWrongKey, "hint: if the password is lost, unlock with the recovery key: --masterkey-file"},
		{"wrong stdin", []string{"cat", dir, "x"}, "wrong\n", exitWrongKey, "error: wrong password"},
		{"wrong extpass", []string{"export", "--extpass", "echo wrong", dir, filepath.Join(tmp, "out")}, "", exitWrongKey, "wrong password"},
		{"bad key file", []string{"ls", "--masterkey-file", notKey, dir}, "", exitMasterKey, "does not hold a recovery key"},
		{"missing key file", []string{"ls", "--masterkey-file", filepath.Join(tmp, "nope"), dir}, "", exitMasterKey, "read recovery key"},
		{"missing entry", []string{"cat", "--passfile", pf, dir, "nope"}, "", exitNotFound, "nope"},
		{"import missing src", []string{"import", "--passfile", pf, filepath.Join(tmp, "nope"), dir}, "", exitPlainDir, "does not exist"},
		{"export not empty", []string{"export", "--passfile", pf, dir, nonEmpty}, "", exitPlainDir, "is not empty"},
		{"export into vault", []string{"export", "--passfile", pf, dir, filepath.Join(dir, "sub")}, "", exitPlainDir, "inside the cipherdir"},
		{"stdin password", []string{"ls", dir}, "right\r\n", exitOK, ""},
		{"extpass password", []string{"ls", "--extpass", "printf 'right\\nignored'", dir}, "", exitOK, ""},
	} {
		r := runIn(t, tc.stdin, tc.args...)
		if r.code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, r.code, tc.code, r.stderr)
		}
		mustContain(t, tc.name, r.stderr, tc.stderr)
		if tc.code != exitOK && !strings.HasPrefix(r.stderr, "cofferfs: error: ") {
			t.Errorf("%s: stderr does not start with the error line:\n%s", tc.name, r.stderr)
		}
		if strings.Contains(r.stderr, "right") || strings.Contains(r.stdout, "right") {
			t.Errorf("%s: the password was printed", tc.name)
		}
	}
}
