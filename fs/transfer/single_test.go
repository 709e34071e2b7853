package transfer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/transfer"
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
	_, fsys, _ := fstest.NewVault(t, crypto.AESGCM)
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

// TestProgressStartsAtOnce: the first report comes before the source is
// counted (Counting set), and a large file advances the byte count as
// it is copied, not only when it is done.
func TestProgressStartsAtOnce(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "big.bin")
	data := make([]byte, 5<<20+7)
	for i := range data {
		data[i] = byte(i%251 + 1)
	}
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, fsys, _ := fstest.NewVault(t, crypto.AESGCM)
	var calls []transfer.Progress
	opts := transfer.Options{OnProgress: func(p transfer.Progress) { calls = append(calls, p) }}
	check := func(what string) {
		t.Helper()
		if len(calls) == 0 || !calls[0].Counting || calls[0].TotalFiles != 0 {
			t.Errorf("%s: first report %+v, want the counting state before any total", what, calls)
		}
		inside := 0
		for _, p := range calls {
			if !p.Counting && p.Files == 0 && p.Bytes > 0 && p.Bytes < int64(len(data)) {
				inside++
			}
		}
		if inside < 4 {
			t.Errorf("%s: %d reports inside the 5 MiB file, want one per chunk", what, inside)
		}
		last := calls[len(calls)-1]
		if last.Counting || last.Files != 1 || last.Bytes != int64(len(data)) || last.TotalBytes != last.Bytes {
			t.Errorf("%s: last report %+v", what, last)
		}
	}
	if _, err := transfer.Import(ctx, src, fsys, "", opts); err != nil {
		t.Fatal(err)
	}
	check("import")
	calls = nil
	if _, err := transfer.Import(ctx, filepath.Dir(src), fsys, "tree", opts); err != nil {
		t.Fatal(err)
	}
	check("import of a tree")
	calls = nil
	if _, err := transfer.Export(ctx, fsys, "tree", t.TempDir(), opts); err != nil {
		t.Fatal(err)
	}
	check("export")
}
