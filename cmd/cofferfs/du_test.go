package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// duTree is a source tree with every kind of entry: 3 file entries (one
// file with two links), 2 directories, a symlink and a FIFO.
func duTree(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(src, "a", "b", "big"), make([]byte, 100000), 0o644)
	os.WriteFile(filepath.Join(src, "x"), []byte("hi\n"), 0o644)
	os.Link(filepath.Join(src, "x"), filepath.Join(src, "a", "x2"))
	os.Symlink("x", filepath.Join(src, "l"))
	if err := syscall.Mkfifo(filepath.Join(src, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return src
}

// backingBytes sums the regular files below dir, each inode once, as
// du --apparent-size counts them.
func backingBytes(t *testing.T, dir string) (bytes, files int64) {
	t.Helper()
	seen := map[uint64]bool{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, _ := d.Info()
		st := fi.Sys().(*syscall.Stat_t)
		if !seen[st.Ino] {
			seen[st.Ino] = true
			bytes += fi.Size()
			files++
		}
		return nil
	})
	return bytes, files
}

func duJSON(t *testing.T, args ...string) duReport {
	t.Helper()
	r := expectCode(t, exitOK, "", append([]string{"du", "--json"}, args...)...)
	var rep duReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("du --json: %v\n%s", err, r.stdout)
	}
	return rep
}

// TestDu: du counts the entries by type, the plaintext bytes (a hard
// link once) and the stored bytes (every backing file, as du of the
// cipherdir counts them), for the whole vault, a directory and a file,
// without mounting.
func TestDu(t *testing.T) {
	dir, pf, _ := makeVault(t, "a good long password")
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pf, duTree(t), dir)
	whole := duJSON(t, "--passfile", pf, dir)
	cipherBytes, cipherFiles := backingBytes(t, dir)
	want := duReport{Files: 3, Dirs: 2, Symlinks: 1, Other: 1, PlainBytes: 100003, CipherBytes: cipherBytes, BackingFiles: cipherFiles}
	if whole != want {
		t.Errorf("du of the whole vault: %+v\nwant %+v", whole, want)
	}
	sub := duJSON(t, "--passfile", pf, dir, "a")
	cipherA := strings.TrimSpace(expectCode(t, exitOK, "", "path", "--passfile", pf, dir, "a").stdout)
	cipherBytes, cipherFiles = backingBytes(t, cipherA)
	want = duReport{Path: "a", Files: 2, Dirs: 1, PlainBytes: 100003, CipherBytes: cipherBytes, BackingFiles: cipherFiles}
	if sub != want {
		t.Errorf("du of a: %+v\nwant %+v", sub, want)
	}
	one := duJSON(t, "--passfile", pf, dir, "/a/b/big")
	fi, err := os.Stat(strings.TrimSpace(expectCode(t, exitOK, "", "path", "--passfile", pf, dir, "a/b/big").stdout))
	if err != nil {
		t.Fatal(err)
	}
	if one.Files != 1 || one.PlainBytes != 100000 || one.CipherBytes != fi.Size() || one.BackingFiles != 1 {
		t.Errorf("du of a file: %+v (backing size %d)", one, fi.Size())
	}
	r := expectCode(t, exitOK, "", "du", "--passfile", pf, dir)
	mustContain(t, "du", r.stdout, "Path:         /\n", "Files:        3\n", "Directories:  2\n", "Symlinks:     1\n",
		"Other:        1\n", "Plain size:   97.7 KiB (100003 bytes)\n", "Stored size:  ")
	if r.stderr != "" {
		t.Errorf("du printed on stderr: %q", r.stderr)
	}
	expectCode(t, exitNotFound, "", "du", "--passfile", pf, dir, "nope")
}

// TestDuUndecryptable: a backing name that does not decrypt (a download
// not finished) is warned about and counted in the stored size only.
func TestDuUndecryptable(t *testing.T) {
	dir, pf, _ := makeVault(t, "a good long password")
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pf, duTree(t), dir)
	os.WriteFile(filepath.Join(dir, "not-a-cipher-name.partial"), []byte("12345"), 0o644)
	r := expectCode(t, exitOK, "", "du", "--json", "--passfile", pf, dir)
	var rep duReport
	json.Unmarshal([]byte(r.stdout), &rep)
	cipherBytes, _ := backingBytes(t, dir)
	if rep.Undecryptable != 1 || rep.CipherBytes != cipherBytes || rep.Files != 3 {
		t.Errorf("du with a name that does not decrypt: %+v", rep)
	}
	mustContain(t, "stderr", r.stderr, "cofferfs: warning: 1 backing name below / did not decrypt")
}

// TestQuietOnTerminal: on a terminal, du, fsck, verify and import draw
// progress; with -q they print nothing on stderr but warnings, and
// their results stay.
func TestQuietOnTerminal(t *testing.T) {
	dir, pf, _ := makeVault(t, "a good long password")
	src := duTree(t)
	for _, c := range [][]string{
		{"import", "--force", "--passfile", pf, src, dir},
		{"du", "--passfile", pf, dir},
		{"fsck", "--passfile", pf, dir},
		{"verify", "--passfile", pf, dir},
	} {
		code, loud := runOnPty(t, 80, c...)
		if code != exitOK || loud == "" {
			t.Errorf("%s: exit %d, printed %q on the terminal", c[0], code, loud)
		}
		quiet := append([]string{c[0], "-q"}, c[1:]...)
		code, out := runOnPty(t, 80, quiet...)
		if code != exitOK || out != "" {
			t.Errorf("%s -q: exit %d, printed %q on the terminal", c[0], code, out)
		}
	}
}
