package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUnlockEnv: COFFERFS_PASSWORD_FILE, COFFERFS_PASSWORD_COMMAND and
// COFFERFS_MASTERKEY_FILE unlock as their flags do; a flag wins over all
// of them; two of them at once are refused.
func TestUnlockEnv(t *testing.T) {
	dir, pf, key := makeVault(t, "right")
	wrong := tempFile(t, "wrong", "wrong\n")
	keyFile := tempFile(t, "key", key+"\n")
	for _, v := range []string{envPasswordFile, envPasswordCommand, envMasterkeyFile} {
		t.Setenv(v, "")
	}

	t.Setenv(envPasswordFile, pf)
	expectCode(t, exitOK, "", "ls", dir)
	expectCode(t, exitOK, "", "ls", "--extpass", "echo right", dir) // the flag wins
	t.Setenv(envPasswordFile, wrong)
	expectCode(t, exitWrongKey, "", "ls", dir)
	expectCode(t, exitOK, "", "ls", "--passfile", pf, dir)

	t.Setenv(envPasswordCommand, "echo right")
	r := expectCode(t, exitUsage, "", "ls", dir)
	mustContain(t, "two variables", r.stderr, envPasswordFile, envPasswordCommand)
	t.Setenv(envPasswordFile, "")
	expectCode(t, exitOK, "", "ls", dir)
	t.Setenv(envPasswordCommand, "")

	t.Setenv(envMasterkeyFile, keyFile)
	expectCode(t, exitOK, "", "ls", dir)
	expectCode(t, exitWrongKey, "", "ls", "--passfile", wrong, dir)
	help := expectCode(t, exitOK, "", "help", "ls").stdout
	mustContain(t, "help ls", help, envPasswordFile, envPasswordCommand, envMasterkeyFile, "a flag wins")
	// init makes a new key: the recovery-key variable is not for it.
	t.Setenv(envPasswordFile, pf)
	r = expectCode(t, exitOK, "", "init", "--scryptn", "10", filepath.Join(t.TempDir(), "new"))
	if !recoveryKey.MatchString(r.stdout) || strings.Contains(r.stderr, "error") {
		t.Errorf("init with the variables set:\n%s%s", r.stdout, r.stderr)
	}
}
