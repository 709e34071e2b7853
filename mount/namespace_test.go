package mount_test

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// TestConcurrentNamespace has several workers create, remove, rename
// (plain, NOREPLACE, EXCHANGE), link and symlink a small pool of short
// and long names in a few directories at once. Only the errors a racing
// namespace explains are allowed (never EIO); afterwards the mount and
// fs agree on every listing, every file reads, and the backing
// directories hold no undecryptable name, stray .name file or diriv copy.
func TestConcurrentNamespace(t *testing.T) {
	rec := fstest.NewLogRecorder(t)
	log := slog.New(rec)
	fsys := newVaultAt(t, tmpfsDir(t, "256m"), crypto.XChaCha20Poly1305, fs.Options{Logger: log})
	mnt := mountFS(t, fsys, mount.Options{Logger: log})
	dirs := []string{"", "d1", "d2", "d1/" + strings.Repeat("D", 190)}
	for _, d := range dirs[1:] {
		must(t, os.Mkdir(filepath.Join(mnt, d), 0o755))
	}
	var names []string
	for _, d := range dirs {
		for i := range 3 {
			names = append(names, filepath.Join(d, fmt.Sprint("s", i)))
			names = append(names, filepath.Join(d, fmt.Sprint(strings.Repeat("L", 180+i*30), i)))
		}
	}
	ops := 1500
	if testing.Short() {
		ops = 300
	}
	allowed := []error{unix.ENOENT, unix.EEXIST, unix.ENOTEMPTY, unix.ENOTDIR, unix.EISDIR, unix.ESTALE}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			pick := func() string { return filepath.Join(mnt, names[rng.IntN(len(names))]) }
			for i := range ops {
				a, b := pick(), pick()
				var err error
				switch rng.IntN(10) {
				case 0, 1:
					err = os.WriteFile(a, []byte(fmt.Sprint(w, i)), 0o644)
				case 2:
					err = unix.Unlink(a)
				case 3, 4:
					err = unix.Rename(a, b)
				case 5:
					err = unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_NOREPLACE)
				case 6:
					err = unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
				case 7:
					if err = unix.Link(a, b); err == unix.EPERM {
						err = nil // a is a directory
					}
				case 8:
					if rng.IntN(2) == 0 {
						err = unix.Mkdir(a, 0o755)
					} else {
						err = unix.Rmdir(a)
					}
				case 9:
					if rng.IntN(2) == 0 {
						err = unix.Symlink("target", a)
					} else {
						_, err = os.ReadFile(a)
						var pe *os.PathError
						if errors.As(err, &pe) {
							err = pe.Err
						}
					}
				}
				if err != nil && !isAny(err, allowed) {
					errs <- fmt.Errorf("worker %d op %d on %s, %s: %w", w, i, a, b, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkTreeAgrees(t, mnt, fsys, "")
	if lines := rec.Lines("ERROR"); len(lines) > 0 {
		t.Errorf("daemon logged errors: %q", lines)
	}
	if lines := rec.Lines("does not decrypt"); len(lines) > 0 {
		t.Errorf("undecryptable names: %q", lines)
	}
}

func isAny(err error, list []error) bool {
	for _, e := range list {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// checkTreeAgrees compares the listing of dir through the mount with
// fs.ReadDir, reads every file, scans the backing directory, and recurses.
func checkTreeAgrees(t *testing.T, mnt string, fsys *fs.FS, dir string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(mnt, dir))
	if err != nil {
		t.Fatalf("readdir %q: %v", dir, err)
	}
	fents, err := fsys.ReadDir(dir)
	if err != nil {
		t.Fatalf("fs.ReadDir %q: %v", dir, err)
	}
	var a, b []string
	for _, e := range ents {
		a = append(a, e.Name())
	}
	for _, e := range fents {
		b = append(b, e.Name)
	}
	sort.Strings(a)
	sort.Strings(b)
	if strings.Join(a, "/") != strings.Join(b, "/") {
		t.Errorf("%q: mount lists %q, fs %q", dir, a, b)
	}
	scan, err := fsys.Inspect().Scan(dir)
	if err != nil {
		t.Fatalf("scan %q: %v", dir, err)
	}
	if scan.IVErr != nil || len(scan.Bad) > 0 || len(scan.NameFiles) > 0 || len(scan.IVCopies) > 0 || len(scan.Conflicts) > 0 {
		t.Errorf("backing of %q: IV %v, bad %v, stray .name %v, diriv copies %v, conflicts %v",
			dir, scan.IVErr, scan.Bad, scan.NameFiles, scan.IVCopies, scan.Conflicts)
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			checkTreeAgrees(t, mnt, fsys, p)
		case e.Type().IsRegular():
			if _, err := os.ReadFile(filepath.Join(mnt, p)); err != nil {
				t.Errorf("read %q: %v", p, err)
			}
		}
	}
}

// TestExchangeStorm exchanges a name between two files and a symlink as
// fast as possible while readers open, read and lstat it. Whatever a
// reader sees must be one whole object as it exists at some instant: the
// content of one file, the attributes of one object (never the type of
// one with the size of another), and opening the name never fails as if
// a symlink had been opened as a file (ELOOP/EINVAL). ESTALE may reach
// a reader when the kernel's one retry races again.
func TestExchangeStorm(t *testing.T) {
	fsys := newVaultAt(t, tmpfsDir(t, "64m"), crypto.AESGCM, fs.Options{})
	mnt := mountFS(t, fsys, mount.Options{})
	j := func(n string) string { return filepath.Join(mnt, n) }
	must(t, os.WriteFile(j("x"), []byte("aaaa"), 0o644))
	must(t, os.WriteFile(j("y"), []byte("bbbbbbbbbb"), 0o600))
	must(t, os.Symlink("nowhere-at-all", j("s")))
	valid := map[string]bool{"4 100644": true, "10 100600": true, "14 120777": true}
	rounds := 3000
	if testing.Short() {
		rounds = 1000
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer stop.Store(true)
		for i := range rounds {
			other := []string{"s", "y"}[i%2]
			if err := unix.Renameat2(unix.AT_FDCWD, j("x"), unix.AT_FDCWD, j(other), unix.RENAME_EXCHANGE); err != nil {
				t.Errorf("exchange: %v", err)
				return
			}
		}
	}()
	var mu sync.Mutex
	seen := map[string]int{}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				key := "read ok"
				b, err := os.ReadFile(j("x"))
				switch {
				case err == nil && string(b) != "aaaa" && string(b) != "bbbbbbbbbb":
					t.Errorf("read %q", b)
				case err != nil:
					var pe *os.PathError
					if !errors.As(err, &pe) || (pe.Err != unix.ENOENT && pe.Err != unix.ESTALE) {
						t.Errorf("open/read: %v", err)
					}
					key = "read " + pe.Err.Error()
				}
				var st unix.Stat_t
				if err := unix.Lstat(j("x"), &st); err == nil {
					if a := fmt.Sprintf("%d %o", st.Size, st.Mode); !valid[a] {
						t.Errorf("lstat: size and mode %s belong to no single object", a)
					}
				} else if err != unix.ENOENT && err != unix.ESTALE {
					t.Errorf("lstat: %v", err)
				}
				mu.Lock()
				seen[key]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("reader outcomes: %v", seen)
	for _, n := range []string{"x", "y", "s"} {
		var st unix.Stat_t
		if err := unix.Lstat(j(n), &st); err != nil {
			t.Errorf("after the storm, lstat %s: %v", n, err)
		} else if st.Mode&unix.S_IFMT == unix.S_IFREG {
			if _, err := os.ReadFile(j(n)); err != nil {
				t.Errorf("after the storm, read %s: %v", n, err)
			}
		}
	}
}
