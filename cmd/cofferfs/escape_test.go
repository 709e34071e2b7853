package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTerminalEscapes: names planted in the backing directory with ESC,
// BEL and C1 bytes never reach the terminal raw from ls, fsck or export;
// they are printed quoted, and --json stays valid JSON.
func TestTerminalEscapes(t *testing.T) {
	dir, pw, _ := makeVault(t, "pw")
	src := smallTree(t)
	if err := os.WriteFile(filepath.Join(src, "plain\x1b[31mred"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pw, src, dir)
	sub := filepath.Dir(cipherPathOf(t, dir, pw, "a/b/file.txt"))
	for _, name := range []string{"\x1b]0;owned\x07title", ".syncthing.\x1b[2J.tmp", "bad\x9b1mC1"} {
		if err := os.WriteFile(filepath.Join(sub, name), []byte("planted"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	noRaw := func(what string, r result) {
		t.Helper()
		for _, s := range []string{r.stdout, r.stderr} {
			if strings.ContainsAny(s, "\x1b\x07") || strings.Contains(s, "\x9b") {
				t.Errorf("%s prints raw control bytes:\n%q", what, s)
			}
		}
	}
	r := expectCode(t, exitCorrupt, "", "ls", "--passfile", pw, dir, "a/b")
	noRaw("ls", r)
	mustContain(t, "ls", r.stderr, `\x1b]0;owned\atitle`, `\x9b`)
	r = expectCode(t, exitOK, "", "ls", "-l", "--passfile", pw, dir)
	noRaw("ls -l", r)
	mustContain(t, "ls -l", r.stdout, `"plain\x1b[31mred"`)
	r = expectCode(t, exitCorrupt, "", "fsck", "--passfile", pw, dir)
	noRaw("fsck", r)
	mustContain(t, "fsck", r.stdout, `\x1b]0;owned\atitle`, `.syncthing.\x1b[2J.tmp`)
	r = expectCode(t, exitCorrupt, "", "fsck", "--json", "--passfile", pw, dir)
	noRaw("fsck --json", r)
	var rep struct {
		Findings []struct {
			CipherPath string `json:"cipher_path"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Findings) != 3 {
		t.Errorf("fsck --json: %v, %+v\n%s", err, rep, r.stdout)
	}
	r = expectCode(t, exitCorrupt, "", "export", "-q", "--passfile", pw, dir, filepath.Join(t.TempDir(), "out"))
	noRaw("export", r)
	mustContain(t, "export", r.stderr, `\x1b]0;owned\atitle`)
}

// TestInfoEscapes: a config planted with escape sequences in its Creator
// field does not reach the terminal raw through info.
func TestInfoEscapes(t *testing.T) {
	dir, _, _ := makeVault(t, "pw")
	p := filepath.Join(dir, "gocryptfs.conf")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var conf map[string]any
	if err := json.Unmarshal(b, &conf); err != nil {
		t.Fatal(err)
	}
	conf["Creator"] = "cofferfs\x1b]0;owned\x07"
	if b, err = json.Marshal(conf); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o600)
	if err := os.WriteFile(p, b, 0o400); err != nil {
		t.Fatal(err)
	}
	r := expectCode(t, exitOK, "", "info", dir)
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07") {
		t.Errorf("info prints raw control bytes:\n%q", r.stdout)
	}
	mustContain(t, "info", r.stdout, `"cofferfs\x1b]0;owned\a"`)
}
