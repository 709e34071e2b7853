package transfer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/transfer"
	"github.com/cofferfs/cofferfs/fs/transfer/transfertest"
)

// collect returns options that record every problem.
func collect(problems *[]*transfer.EntryError) transfer.Options {
	return transfer.Options{Owners: os.Geteuid() == 0, Devices: os.Geteuid() == 0,
		OnProblem: func(e *transfer.EntryError) { *problems = append(*problems, e) }}
}

// importTree imports src into the vault root and fails on any problem.
func importTree(t *testing.T, src string, fsys *fs.FS, sub string) transfer.Stats {
	t.Helper()
	var problems []*transfer.EntryError
	st, err := transfer.Import(context.Background(), src, fsys, sub, collect(&problems))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("import problem: %v", p)
	}
	return st
}

// exportTree exports the vault subtree sub to a new directory.
func exportTree(t *testing.T, fsys *fs.FS, sub string) (string, transfer.Stats) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "out")
	var problems []*transfer.EntryError
	st, err := transfer.Export(context.Background(), fsys, sub, dest, collect(&problems))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("export problem: %v", p)
	}
	return dest, st
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range []crypto.Algorithm{crypto.AESGCM, crypto.XChaCha20Poly1305} {
		t.Run(alg.String(), func(t *testing.T) {
			src := t.TempDir()
			transfertest.MakeTree(t, src)
			cdir, fsys, _ := fstest.NewVault(t, alg)
			in := importTree(t, src, fsys, "")
			dest, out := exportTree(t, fsys, "")
			transfertest.Compare(t, src, dest)
			if !transfertest.IsSparse(t, filepath.Join(dest, transfertest.SparseName)) {
				t.Errorf("exported %s is not sparse", transfertest.SparseName)
			}
			cipher, err := fsys.CipherPath(transfertest.SparseName)
			if err != nil {
				t.Fatal(err)
			}
			if !transfertest.IsSparse(t, filepath.Join(cdir, cipher)) {
				t.Errorf("backing file of %s is not sparse", transfertest.SparseName)
			}
			want := transfer.Stats{Dirs: 7, Files: 14, Symlinks: 3, Specials: 1, HardLinks: 2}
			for name, st := range map[string]transfer.Stats{"import": in, "export": out} {
				st.Bytes = 0
				if st != want {
					t.Errorf("%s stats %+v, want %+v", name, st, want)
				}
			}
		})
	}
}

func TestSubtree(t *testing.T) {
	src := t.TempDir()
	transfertest.MakeTree(t, src)
	_, fsys, _ := fstest.NewVault(t, crypto.AESGCM)
	importTree(t, src, fsys, "backups/2024/")
	dest, _ := exportTree(t, fsys, "/backups/2024")
	transfertest.Compare(t, src, dest)
	if st, err := fsys.Stat("backups"); err != nil || st.Mode&0o777 != 0o755 {
		t.Errorf("parent of the import: mode %o, err %v", st.Mode&0o777, err)
	}
	one := t.TempDir()
	if st, err := transfer.Export(context.Background(), fsys, "backups/2024/one.txt", one, transfer.Options{}); err != nil || st.Files != 1 {
		t.Errorf("export of one file into a directory: %+v, %v", st, err)
	} else if _, err := os.Stat(filepath.Join(one, "one.txt")); err != nil {
		t.Error(err)
	}
	if _, err := transfer.Import(context.Background(), src, fsys, "backups/2024/one.txt", transfer.Options{Force: true}); err == nil {
		t.Error("import below a file worked")
	}
}

func TestImportConflicts(t *testing.T) {
	src := t.TempDir()
	transfertest.MakeTree(t, src)
	_, fsys, _ := fstest.NewVault(t, crypto.AESGCM)
	importTree(t, src, fsys, "")
	if err := os.WriteFile(filepath.Join(src, "one.txt"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "new.txt"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := transfer.Import(context.Background(), src, fsys, "", transfer.Options{})
	var conflict *transfer.ConflictError
	if !errors.As(err, &conflict) || conflict.Count < 20 || len(conflict.Paths) != 10 {
		t.Fatalf("second import: %v, want a ConflictError with many paths", err)
	}
	if _, err := fsys.Stat("new.txt"); err == nil {
		t.Error("a refused import wrote new.txt")
	}
	os.Chmod(filepath.Join(src, "ro-dir"), 0o755) // mode changes with --force too
	transfertest.SetTimes(t, src)
	_, err = transfer.Import(context.Background(), src, fsys, "", transfer.Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	dest, _ := exportTree(t, fsys, "")
	transfertest.Compare(t, src, dest)
}

func TestExportDest(t *testing.T) {
	src := t.TempDir()
	transfertest.MakeTree(t, src)
	cdir, fsys, _ := fstest.NewVault(t, crypto.AESGCM)
	importTree(t, src, fsys, "")
	dest := t.TempDir()
	if err := os.WriteFile(filepath.Join(dest, "one.txt"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dest, "hard1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := transfer.Export(context.Background(), fsys, "", dest, transfer.Options{}); !errors.Is(err, transfer.ErrNotEmpty) {
		t.Fatalf("export into a non-empty dir: %v", err)
	}
	var problems []*transfer.EntryError
	st, err := transfer.Export(context.Background(), fsys, "", dest, transfer.Options{Force: true,
		OnProblem: func(e *transfer.EntryError) { problems = append(problems, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 1 || len(problems) != 1 || problems[0].Path != "hard1" {
		t.Errorf("forced export over a directory: %+v, %v", st, problems)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "one.txt")); len(b) != 1 {
		t.Errorf("forced export left one.txt as %q", b)
	}
	for _, d := range []string{cdir, filepath.Join(cdir, "sub")} {
		if _, err := transfer.Export(context.Background(), fsys, "", d, transfer.Options{Force: true}); !errors.Is(err, transfer.ErrInsideVault) {
			t.Errorf("export into %s: %v, want ErrInsideVault", d, err)
		}
	}
}

func TestImportSkipsVault(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	cdir := filepath.Join(src, "vault")
	if err := os.Mkdir(cdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cdir, crypto.DirIVName), []byte("0123456789abcdef"), 0o444); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.Open(t, cdir, crypto.NewMasterKey(), crypto.AESGCM)
	var problems []*transfer.EntryError
	st, err := transfer.Import(context.Background(), src, fsys, "", collect(&problems))
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 1 || st.Dirs != 0 || len(problems) != 1 || !problems[0].Warning {
		t.Errorf("import of a tree holding the vault: %+v, %v", st, problems)
	}
	if _, err := transfer.Import(context.Background(), cdir, fsys, "", transfer.Options{}); !errors.Is(err, transfer.ErrInsideVault) {
		t.Errorf("import of the cipherdir itself: %v", err)
	}
}

func TestProgressAndCancel(t *testing.T) {
	src := t.TempDir()
	transfertest.MakeTree(t, src)
	_, fsys, _ := fstest.NewVault(t, crypto.AESGCM)
	var last transfer.Progress
	calls := 0
	opts := transfer.Options{OnProgress: func(p transfer.Progress) { last = p; calls++ }}
	st, err := transfer.Import(context.Background(), src, fsys, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	// The totals agree with the summary: regular files, one per inode.
	if calls < 20 || last.Files != last.TotalFiles || last.Bytes != last.TotalBytes || last.TotalFiles != st.Files || st.Files != 14 {
		t.Errorf("import progress: %d calls, last %+v", calls, last)
	}
	calls = 0
	st, err = transfer.Export(context.Background(), fsys, "", t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if calls < 20 || last.Files != last.TotalFiles || last.Bytes != last.TotalBytes || last.TotalFiles != st.Files || st.Files != 14 {
		t.Errorf("export progress: %d calls, last %+v", calls, last)
	}
	ctx, cancel := context.WithCancel(context.Background())
	opts.OnProgress = func(p transfer.Progress) {
		if p.Files == 3 {
			cancel()
		}
	}
	st, err = transfer.Export(ctx, fsys, "", t.TempDir(), opts)
	if !errors.Is(err, context.Canceled) || st.Files+st.Symlinks+st.Specials+st.HardLinks > 4 {
		t.Errorf("cancelled export: %+v, %v", st, err)
	}
}

func TestOwnersAndDevices(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	src := t.TempDir()
	dev := filepath.Join(src, "null")
	if err := unix.Mknod(dev, unix.S_IFCHR|0o640, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	owned := filepath.Join(src, "owned")
	if err := os.WriteFile(owned, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dev, owned} {
		if err := os.Lchown(p, 1234, 5678); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Chmod(owned, 0o4755); err != nil { // after chown, which clears it
		t.Fatal(err)
	}
	_, fsys, _ := fstest.NewVault(t, crypto.AESGCM)
	importTree(t, src, fsys, "")
	dest, st := exportTree(t, fsys, "")
	if st.Specials != 1 {
		t.Errorf("stats %+v", st)
	}
	// "owned" loses its set-uid bit: KeepSetID is not set.
	for name, want := range map[string]uint32{"null": unix.S_IFCHR | 0o640, "owned": unix.S_IFREG | 0o755} {
		var got unix.Stat_t
		if err := unix.Lstat(filepath.Join(dest, name), &got); err != nil {
			t.Fatal(err)
		}
		if got.Mode != want || got.Uid != 1234 || got.Gid != 5678 {
			t.Errorf("%s: mode %o uid %d gid %d", name, got.Mode, got.Uid, got.Gid)
		}
		if name == "null" && got.Rdev != unix.Mkdev(1, 3) {
			t.Errorf("device number %x", got.Rdev)
		}
	}
	var problems []*transfer.EntryError
	opts := collect(&problems)
	opts.Devices = false
	st, err := transfer.Export(context.Background(), fsys, "", t.TempDir(), opts)
	if err != nil || st.Warnings != 1 || st.Specials != 0 || len(problems) != 1 || !problems[0].Warning {
		t.Errorf("export without Devices: %+v, %v, %v", st, problems, err)
	}
}
