package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// stripKeyCheck removes cofferfs's key check from a vault's config, as a
// password change by gocryptfs (or a vault made by gocryptfs) leaves it.
func stripKeyCheck(t *testing.T, dir string) {
	t.Helper()
	editConfig(t, dir, func(s string) string {
		return regexp.MustCompile(`,\n\t"CofferfsKeyCheck": "[^"]*"`).ReplaceAllString(s, "")
	})
	if b, _ := os.ReadFile(filepath.Join(dir, "gocryptfs.conf")); strings.Contains(string(b), "KeyCheck") {
		t.Fatalf("key check not removed:\n%s", b)
	}
}

// TestUnverifiableKeyCannotWrite: in an empty vault without a key check,
// no recovery key, right or wrong, can be checked; it may read (there is
// nothing to read) but never write, or the data written would open with
// no password (issue 10, point 2).
func TestUnverifiableKeyCannotWrite(t *testing.T) {
	dir, pf, key := makeVault(t, "pw")
	stripKeyCheck(t, dir)
	wrong := tempFile(t, "wrong", strings.Repeat("0123abcd", 8)+"\n")
	right := tempFile(t, "right", key+"\n")
	for _, kf := range []string{wrong, right} {
		r := expectCode(t, exitMasterKey, "", "import", "--masterkey-file", kf, smallTree(t), dir)
		mustContain(t, "import with an unverifiable key", r.stderr, "cannot be checked", "--ro")
		expectCode(t, exitMasterKey, "", "passwd", "--masterkey-file", kf, "--new-passfile", pf, dir)
		r = expectCode(t, exitOK, "", "ls", "--masterkey-file", kf, dir)
		mustContain(t, "read-only use", r.stderr, "warning:")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("the vault was written to: %d entries", len(ents))
	}
	expectCode(t, exitWrongKey, "new\n", "ls", "--passfile", tempFile(t, "np", "new\n"), dir)
	// Once the vault holds data, the key is verified and may write.
	expectCode(t, exitOK, "", "import", "--passfile", pf, smallTree(t), dir)
	expectCode(t, exitOK, "", "import", "--force", "--masterkey-file", right, smallTree(t), dir)
}

// TestKeyCheckDecidesEmptyVault: a vault made by cofferfs carries a key
// check, so even empty it tells the right recovery key from a wrong one.
func TestKeyCheckDecidesEmptyVault(t *testing.T) {
	dir, _, key := makeVault(t, "pw")
	wrong := tempFile(t, "wrong", strings.Repeat("0123abcd", 8)+"\n")
	r := expectCode(t, exitWrongKey, "", "import", "--masterkey-file", wrong, smallTree(t), dir)
	mustContain(t, "wrong key", r.stderr, "does not belong to the vault")
	r = expectCode(t, exitOK, "", "import", "--masterkey-file", tempFile(t, "k", key+"\n"), smallTree(t), dir)
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("right key on a vault with a key check: %s", r.stderr)
	}
}

// TestPlantedNamesDoNotRejectRightKey: garbage names planted in an empty
// vault make the right key unverifiable, never "wrong" (issue 10, 24c).
func TestPlantedNamesDoNotRejectRightKey(t *testing.T) {
	dir, _, key := makeVault(t, "pw")
	stripKeyCheck(t, dir)
	for _, g := range []string{"garbage", "QUJDREVGR0hJSktMTU5PUA", "AAAAAAAAAAAAAAAAAAAAAA"} {
		os.WriteFile(filepath.Join(dir, g), []byte("planted"), 0o644)
	}
	// ls lists nothing and reports the three names (exit 26), but it does
	// not call the key wrong.
	r := expectCode(t, exitCorrupt, "", "ls", "--masterkey-file", tempFile(t, "k", key+"\n"), dir)
	mustContain(t, "ls", r.stderr, "warning:", "cannot be checked")
	if strings.Contains(r.stderr, "does not belong") {
		t.Errorf("the right key was called wrong:\n%s", r.stderr)
	}
}
