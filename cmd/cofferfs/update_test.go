package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/fs/transfer/transfertest"
)

func TestExportImportOneFile(t *testing.T) {
	dir, pf, _ := makeVault(t, "pw")
	mtime := time.Date(2003, 4, 5, 6, 7, 8, 0, time.UTC)
	src := tempFile(t, "report.txt", "numbers")
	os.Chmod(src, 0o640)
	os.Chtimes(src, mtime, mtime)
	expectCode(t, exitOK, "", "import", "-q", "--path", "docs/2003", "--passfile", pf, src, dir)
	expectCode(t, exitOK, "", "import", "-q", "--path", "docs", "--passfile", pf, src, dir)
	r := expectCode(t, exitPlainDir, "", "import", "--path", "docs", "--passfile", pf, src, dir)
	mustContain(t, "import over a file", r.stderr, "docs/report.txt", "hint: use --force")

	out := t.TempDir()
	expectCode(t, exitOK, "", "export", "-q", "--path", "docs/2003", "--passfile", pf, dir, out)
	expectCode(t, exitOK, "", "export", "-q", "--path", "docs/report.txt", "--passfile", pf, dir, filepath.Join(out, "copy.txt"))
	for _, p := range []string{filepath.Join(out, "2003"), filepath.Join(out, "copy.txt")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if string(b) != "numbers" || fi.Mode() != 0o640 || !fi.ModTime().Equal(mtime) {
			t.Errorf("%s: %q, mode %v, mtime %v", p, b, fi.Mode(), fi.ModTime())
		}
	}
	r = expectCode(t, exitPlainDir, "", "export", "--path", "docs/report.txt", "--passfile", pf, dir, filepath.Join(out, "copy.txt"))
	mustContain(t, "export over a file", r.stderr, "copy.txt", "hint: use --force")
}

func TestImportUpdateDelete(t *testing.T) {
	dir, pf, _ := makeVault(t, "pw")
	src := t.TempDir()
	transfertest.MakeTree(t, src)
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pf, src, dir)
	r := expectCode(t, exitOK, "", "import", "--update", "--passfile", pf, src, dir)
	mustContain(t, "update summary", r.stderr, "imported 0 files", "20 unchanged")
	if err := os.WriteFile(filepath.Join(src, "added.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src, "one.txt")); err != nil {
		t.Fatal(err)
	}
	r = expectCode(t, exitOK, "", "import", "--update", "--delete", "--passfile", pf, src, dir)
	mustContain(t, "delete summary", r.stderr, "imported 1 file", "1 deleted")
	out := filepath.Join(t.TempDir(), "out")
	expectCode(t, exitOK, "", "export", "-q", "--passfile", pf, dir, out)
	transfertest.Compare(t, src, out)
	r = expectCode(t, exitUsage, "", "import", "--delete", "--passfile", pf, src, dir)
	mustContain(t, "--delete alone", r.stderr, "--delete needs --update")
	r = expectCode(t, exitUsage, "", "import", "--force", "--update", "--passfile", pf, src, dir)
	mustContain(t, "--force --update", r.stderr, "use only one of --force and --update")
}
