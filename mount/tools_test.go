package mount_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/mount"
)

// Real programs run against a mount: each must work and its own checker
// must find nothing wrong.

// makeTree writes a tree of files files (sizes from empty to a few
// blocks, some larger), in nested directories, with a few symlinks, hard
// links, an empty directory and odd modes, and returns its root.
func makeTree(t *testing.T, files int, seed uint64) string {
	t.Helper()
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(seed, 3))
	buf := make([]byte, 300<<10)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	var dirs []string
	for i := range files {
		if i%40 == 0 || len(dirs) < 2 {
			d := fmt.Sprintf("d%02d", len(dirs))
			if len(dirs) > 0 && rng.IntN(2) == 0 {
				d = filepath.Join(dirs[rng.IntN(len(dirs))], d)
			}
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
			dirs = append(dirs, d)
		}
		var size int
		switch x := rng.IntN(100); {
		case x < 10:
			size = 0
		case x < 80:
			size = rng.IntN(6000)
		case x < 98:
			size = rng.IntN(40 << 10)
		default:
			size = rng.IntN(len(buf))
		}
		off := rng.IntN(len(buf) - size + 1)
		name := filepath.Join(root, dirs[rng.IntN(len(dirs))], fmt.Sprintf("file-%05d.dat", i))
		mode := []os.FileMode{0o644, 0o600, 0o755, 0o444}[rng.IntN(4)]
		if err := os.WriteFile(name, buf[off:off+size], mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(name, mode); err != nil {
			t.Fatal(err)
		}
	}
	long := strings.Repeat("long-name-", 22) // 220 bytes: a long name in the vault
	must(t, os.WriteFile(filepath.Join(root, dirs[0], long), []byte("long"), 0o644))
	must(t, os.Mkdir(filepath.Join(root, "empty"), 0o700))
	must(t, os.Symlink("../d00/file-00000.dat", filepath.Join(root, dirs[1], "link")))
	must(t, os.Symlink("/nonexistent/target", filepath.Join(root, "dangling")))
	must(t, os.Link(filepath.Join(root, dirs[0], long), filepath.Join(root, "hardlink")))
	return root
}

func must(t *testing.T, err error) {
	t.Helper()
	fstest.Must(t, err)
}

// toolVault makes a vault on its own tmpfs: the tools fsync a lot, and
// on a shared disk that, not the mount, would set the run time.
func toolVault(t *testing.T, alg crypto.Algorithm) *fs.FS {
	return newVaultAt(t, tmpfsDir(t, "1g"), alg, fs.Options{})
}

func toolFiles() int {
	if testing.Short() {
		return 300
	}
	return 2000
}

func TestToolTar(t *testing.T) {
	needTools(t, "tar", "diff")
	t.Parallel()
	fsys := toolVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{})
	src := makeTree(t, toolFiles(), 1)
	archive := filepath.Join(t.TempDir(), "tree.tar")
	run(t, src, nil, "tar", "-cf", archive, ".")
	dst := filepath.Join(mnt, "extracted")
	must(t, os.Mkdir(dst, 0o755))
	run(t, dst, nil, "tar", "-xpf", archive)
	if out, err := runErr("", nil, "diff", "-r", "--no-dereference", src, dst); err != nil {
		t.Fatalf("diff -r after tar -x: %v\n%s", err, tail(out, 4000))
	}
	// tar --compare checks contents, sizes, modes, owners, mtimes and
	// link targets of the extracted tree against the archive.
	if out, err := runErr(dst, nil, "tar", "--compare", "-f", archive); err != nil {
		t.Fatalf("tar --compare: %v\n%s", err, tail(out, 4000))
	}
}

func TestToolRsync(t *testing.T) {
	needTools(t, "rsync")
	t.Parallel()
	fsys := toolVault(t, crypto.XChaCha20Poly1305)
	mnt := mountFS(t, fsys, mount.Options{})
	src := makeTree(t, toolFiles()/3, 2)
	dst := filepath.Join(mnt, "copy")
	run(t, "", nil, "rsync", "-aH", src+"/", dst+"/")
	out := run(t, "", nil, "rsync", "-aH", "-c", "--dry-run", "--itemize-changes", src+"/", dst+"/")
	if strings.TrimSpace(out) != "" {
		t.Errorf("rsync -c --dry-run finds differences after the copy:\n%s", tail(out, 4000))
	}
	// Change a few files in place (rsync writes a temp file and renames
	// it over the old one) and check again.
	must(t, os.WriteFile(filepath.Join(src, "d00", "file-00000.dat"), []byte("changed"), 0o644))
	must(t, os.Truncate(filepath.Join(src, "hardlink"), 1))
	run(t, "", nil, "rsync", "-aH", "--inplace", src+"/", dst+"/")
	run(t, "", nil, "rsync", "-aH", src+"/", dst+"/")
	out = run(t, "", nil, "rsync", "-aH", "-c", "--dry-run", "--itemize-changes", src+"/", dst+"/")
	if strings.TrimSpace(out) != "" {
		t.Errorf("rsync -c --dry-run finds differences after the update:\n%s", tail(out, 4000))
	}
}

func TestToolGit(t *testing.T) {
	needTools(t, "git")
	t.Parallel()
	fsys := toolVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{})
	repo := filepath.Join(mnt, "repo")
	src := makeTree(t, toolFiles()/10, 3)
	run(t, "", nil, "cp", "-a", src, repo)
	env := []string{"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid",
		"GIT_CONFIG_NOSYSTEM=1", "HOME=" + t.TempDir()}
	run(t, repo, env, "git", "init", "-q")
	run(t, repo, env, "git", "add", "-A")
	run(t, repo, env, "git", "commit", "-q", "-m", "first")
	must(t, os.WriteFile(filepath.Join(repo, "d00", "new.txt"), []byte("second commit\n"), 0o644))
	must(t, os.Remove(filepath.Join(repo, "dangling")))
	run(t, repo, env, "git", "add", "-A")
	run(t, repo, env, "git", "commit", "-q", "-m", "second")
	run(t, repo, env, "git", "gc", "-q", "--aggressive")
	run(t, repo, env, "git", "fsck", "--full", "--strict")
	if out := run(t, repo, env, "git", "status", "--porcelain"); strings.TrimSpace(out) != "" {
		t.Errorf("git status after commit:\n%s", out)
	}
	clone := filepath.Join(mnt, "clone")
	run(t, "", env, "git", "clone", "-q", repo, clone)
	run(t, clone, env, "git", "fsck", "--full")
	if out, err := runErr("", nil, "diff", "-r", "--no-dereference", "-x", ".git", "-x", "empty", repo, clone); err != nil {
		t.Errorf("clone differs from the work tree: %v\n%s", err, tail(out, 4000))
	}
}

func TestToolSqlite(t *testing.T) {
	needTools(t, "sqlite3")
	t.Parallel()
	fsys := toolVault(t, crypto.XChaCha20Poly1305)
	mnt := mountFS(t, fsys, mount.Options{})
	for _, journal := range []string{"delete", "wal"} {
		t.Run(journal, func(t *testing.T) {
			db := filepath.Join(mnt, journal+".db")
			script := fmt.Sprintf(`PRAGMA journal_mode=%s;
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, blob BLOB);
CREATE INDEX t_name ON t(name);
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 10000)
INSERT INTO t SELECT x, 'row-' || x, randomblob(x %% 300) FROM c;
COMMIT;
DELETE FROM t WHERE id %% 7 = 0;
UPDATE t SET name = name || '-updated' WHERE id %% 5 = 0;
%s
`, journal, map[string]string{"delete": "VACUUM;"}[journal])
			run(t, "", nil, "sqlite3", db, script)
			out := run(t, "", nil, "sqlite3", db, "PRAGMA integrity_check; SELECT count(*) FROM t; SELECT count(*) FROM t WHERE name LIKE '%-updated';")
			if got, want := strings.Fields(out), []string{"ok", "8572", "1715"}; strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("integrity_check and counts: %q, want %q", got, want)
			}
		})
	}
}

func TestToolRestic(t *testing.T) {
	needTools(t, "restic")
	t.Parallel()
	fsys := toolVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{})
	src := makeTree(t, toolFiles()/6, 4)
	env := []string{"RESTIC_PASSWORD=restic-test-password", "RESTIC_REPOSITORY=" + filepath.Join(mnt, "restic-repo"),
		"RESTIC_CACHE_DIR=" + t.TempDir(), "HOME=" + t.TempDir()}
	run(t, "", env, "restic", "init", "-q")
	run(t, "", env, "restic", "backup", "-q", src)
	must(t, os.WriteFile(filepath.Join(src, "d00", "added"), []byte("second snapshot"), 0o644))
	run(t, "", env, "restic", "backup", "-q", src)
	run(t, "", env, "restic", "check", "-q", "--read-data")
	restore := t.TempDir()
	run(t, "", env, "restic", "restore", "-q", "latest", "--target", restore)
	if out, err := runErr("", nil, "diff", "-r", "--no-dereference", src, filepath.Join(restore, src)); err != nil {
		t.Errorf("restore differs from the source: %v\n%s", err, tail(out, 4000))
	}
}
