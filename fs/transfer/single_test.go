package transfer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/transfer"
	"github.com/cofferfs/cofferfs/fs/transfer/transfertest"
	"golang.org/x/sys/unix"
)

// writeDated writes a file with a mode and a modification time.
func writeDated(t *testing.T, p, content string, mode os.FileMode, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// checkVaultFile checks content, mode and mtime of a vault file.
func checkVaultFile(t *testing.T, fsys *fs.FS, p, content string, mode uint32, mtime time.Time) {
	t.Helper()
	st, err := fsys.Stat(p)
	if err != nil {
		t.Fatalf("vault %s: %v", p, err)
	}
	if st.Mode&0o7777 != mode || st.Mtim.Nano() != mtime.UnixNano() {
		t.Errorf("vault %s: mode %o mtime %d, want %o %d", p, st.Mode&0o7777, st.Mtim.Nano(), mode, mtime.UnixNano())
	}
	f, err := fsys.Open(p, unix.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 100)
	n, _ := f.ReadAt(buf, 0)
	if string(buf[:n]) != content {
		t.Errorf("vault %s holds %q, want %q", p, buf[:n], content)
	}
}

// checkPlainFile checks content, mode and mtime of a plain file.
func checkPlainFile(t *testing.T, p, content string, mode os.FileMode, mtime time.Time) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != mode || !fi.ModTime().Equal(mtime) {
		t.Errorf("%s: mode %v mtime %v, want %v %v", p, fi.Mode(), fi.ModTime(), mode, mtime)
	}
	if b, _ := os.ReadFile(p); string(b) != content {
		t.Errorf("%s holds %q, want %q", p, b, content)
	}
}

func TestSingleFile(t *testing.T) {
	ctx := context.Background()
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 789, time.UTC)
	src := filepath.Join(t.TempDir(), "a.txt")
	writeDated(t, src, "alpha", 0o640, mtime)
	_, fsys, _ := transfertest.NewVault(t, crypto.AESGCM)
	if err := fsys.Mkdir("docs", 0o755, nil); err != nil {
		t.Fatal(err)
	}
	var problems []*transfer.EntryError
	opts := collect(&problems)
	for sub, want := range map[string]string{"": "a.txt", "docs": "docs/a.txt", "new/dir/b.txt": "new/dir/b.txt"} {
		st, err := transfer.Import(ctx, src, fsys, sub, opts)
		if err != nil || st.Files != 1 {
			t.Fatalf("import %s to %q: %+v, %v", src, sub, st, err)
		}
		checkVaultFile(t, fsys, want, "alpha", 0o640, mtime)
	}
	var conflict *transfer.ConflictError
	if _, err := transfer.Import(ctx, src, fsys, "docs", opts); !errors.As(err, &conflict) {
		t.Errorf("import over an existing file without Force: %v", err)
	}

	dest := t.TempDir()
	st, err := transfer.Export(ctx, fsys, "docs/a.txt", dest, opts)
	if err != nil || st.Files != 1 {
		t.Fatalf("export into a directory: %+v, %v", st, err)
	}
	checkPlainFile(t, filepath.Join(dest, "a.txt"), "alpha", 0o640, mtime)
	other := filepath.Join(dest, "renamed.txt")
	if _, err := transfer.Export(ctx, fsys, "new/dir/b.txt", other, opts); err != nil {
		t.Fatalf("export to a new file name: %v", err)
	}
	checkPlainFile(t, other, "alpha", 0o640, mtime)
	if _, err := transfer.Export(ctx, fsys, "docs/a.txt", other, opts); !errors.Is(err, transfer.ErrExists) {
		t.Errorf("export over an existing file without Force: %v", err)
	}
	opts.Force = true
	if _, err := transfer.Export(ctx, fsys, "docs/a.txt", other, opts); err != nil {
		t.Errorf("export over an existing file with Force: %v", err)
	}
	for _, p := range problems {
		t.Errorf("problem: %v", p)
	}
}
