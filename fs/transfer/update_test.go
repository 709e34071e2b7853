package transfer_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/transfer"
	"github.com/cofferfs/cofferfs/fs/transfer/transfertest"
)

// snapshot describes every backing entry of a cipherdir: what a sync
// client would see change (content, size, times, inode, xattrs).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		desc := fmt.Sprintf("ino %d mode %o size %d mtime %d ctime %d", st.Ino, st.Mode, st.Size, st.Mtim.Nano(), st.Ctim.Nano())
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" sha %x", sha256.Sum256(b))
		}
		m[p] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestImportUpdate(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	transfertest.MakeTree(t, src)
	cdir, fsys, _ := fstest.NewVault(t, crypto.AESGCM)
	importTree(t, src, fsys, "")
	var problems []*transfer.EntryError
	opts := collect(&problems)
	opts.Update = true

	before := snapshot(t, cdir)
	st, err := transfer.Import(ctx, src, fsys, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 0 || st.Symlinks != 0 || st.Bytes != 0 || st.Unchanged != 20 {
		t.Errorf("second run: %+v, want everything unchanged", st)
	}
	after := snapshot(t, cdir)
	for p, want := range before {
		if after[p] != want {
			t.Errorf("%s changed:\n%s\n%s", p, want, after[p])
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d backing entries before, %d after", len(before), len(after))
	}

	// A changed file is rewritten; one gone from the source stays in the
	// vault unless Delete is set.
	mtime := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	ents, _ := os.ReadDir(src)
	var gone string
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.Contains(e.Name(), "sparse") {
			gone = e.Name()
		}
	}
	if err := os.Remove(filepath.Join(src, gone)); err != nil {
		t.Fatal(err)
	}
	writeDated(t, filepath.Join(src, "new.txt"), "new", 0o600, mtime)
	writeDated(t, filepath.Join(src, "changed.txt"), "one", 0o644, mtime)
	if _, err := transfer.Import(ctx, src, fsys, "", opts); err != nil {
		t.Fatal(err)
	}
	writeDated(t, filepath.Join(src, "changed.txt"), "two", 0o644, mtime.Add(time.Second))
	st, err = transfer.Import(ctx, src, fsys, "", opts)
	if err != nil || st.Files != 1 || st.Deleted != 0 {
		t.Errorf("update run: %+v, %v; want 1 file rewritten, nothing deleted", st, err)
	}
	checkVaultFile(t, fsys, "changed.txt", "two", 0o644, mtime.Add(time.Second))
	if _, err := fsys.Stat(gone); err != nil {
		t.Errorf("%s removed without Delete: %v", gone, err)
	}

	opts.Delete = true
	st, err = transfer.Import(ctx, src, fsys, "", opts)
	if err != nil || st.Files != 0 || st.Deleted != 1 {
		t.Errorf("delete run: %+v, %v; want 1 deleted", st, err)
	}
	if _, err := fsys.Stat(gone); err == nil {
		t.Errorf("%s still in the vault after --delete", gone)
	}
	dest, _ := exportTree(t, fsys, "")
	transfertest.Compare(t, src, dest)
	for _, p := range problems {
		t.Errorf("problem: %v", p)
	}
}
