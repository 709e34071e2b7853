package mount_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func listDir(t *testing.T, p string) string {
	t.Helper()
	ents, err := os.ReadDir(p)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func TestRenames(t *testing.T) {
	mnt := posixMount(t)
	j := func(p ...string) string { return filepath.Join(append([]string{mnt}, p...)...) }
	must(t, os.Mkdir(j("a"), 0o755))
	must(t, os.Mkdir(j("b"), 0o755))
	must(t, os.WriteFile(j("a", "x"), []byte("x"), 0o644))
	must(t, os.WriteFile(j("b", "y"), []byte("y"), 0o644))

	// Over an existing file, across directories.
	must(t, os.Rename(j("a", "x"), j("b", "y")))
	if got := readString(t, j("b", "y")); got != "x" {
		t.Errorf("rename over existing: %q", got)
	}
	if _, err := os.Lstat(j("a", "x")); !os.IsNotExist(err) {
		t.Errorf("source still there: %v", err)
	}
	// Long names (more than 175 bytes make the encrypted name long) both ways.
	long1 := strings.Repeat("L", 200)
	long2 := strings.Repeat("M", 255)
	must(t, os.Rename(j("b", "y"), j("a", long1)))
	must(t, os.Rename(j("a", long1), j("b", long2)))
	must(t, os.Rename(j("b", long2), j("b", "short")))
	must(t, os.Rename(j("b", "short"), j("a", long2)))
	if got := readString(t, j("a", long2)); got != "x" {
		t.Errorf("after long-name renames: %q", got)
	}
	if got := listDir(t, j("a")) + "|" + listDir(t, j("b")); got != long2+"|" {
		t.Errorf("listings after long-name renames: %q", got)
	}
	if _, err := os.Lstat(j("a", strings.Repeat("N", 256))); !errors.Is(err, unix.ENAMETOOLONG) {
		t.Errorf("256-byte name: %v, want ENAMETOOLONG", err)
	}
	// A directory with a long name, and renaming a non-empty directory.
	must(t, os.Mkdir(j("a", long1+"dir"), 0o700))
	must(t, os.WriteFile(j("a", long1+"dir", long1), []byte("deep"), 0o644))
	must(t, os.Rename(j("a", long1+"dir"), j("b", "moved")))
	if got := readString(t, j("b", "moved", long1)); got != "deep" {
		t.Errorf("file in a moved directory: %q", got)
	}
	// Over an empty directory; not over a non-empty one. (os.Rename
	// refuses a directory target itself.)
	must(t, os.Mkdir(j("empty"), 0o755))
	must(t, unix.Rename(j("b", "moved"), j("empty")))
	if got := readString(t, j("empty", long1)); got != "deep" {
		t.Errorf("rename over an empty directory: %q", got)
	}
	must(t, os.Mkdir(j("b", "full"), 0o755))
	must(t, os.WriteFile(j("b", "full", "f"), nil, 0o644))
	if err := unix.Rename(j("empty"), j("b", "full")); err != unix.ENOTEMPTY && err != unix.EEXIST {
		t.Errorf("rename over a non-empty directory: %v", err)
	}

	// RENAME_NOREPLACE.
	must(t, os.WriteFile(j("p"), []byte("p"), 0o644))
	must(t, os.WriteFile(j("q"), []byte("q"), 0o644))
	err := unix.Renameat2(unix.AT_FDCWD, j("p"), unix.AT_FDCWD, j("q"), unix.RENAME_NOREPLACE)
	if err != unix.EEXIST {
		t.Errorf("RENAME_NOREPLACE over an existing file: %v", err)
	}
	must(t, unix.Renameat2(unix.AT_FDCWD, j("p"), unix.AT_FDCWD, j("a", "p2"), unix.RENAME_NOREPLACE))
	// RENAME_EXCHANGE: two files, then a file and a directory across
	// directories, one with a long name.
	must(t, unix.Renameat2(unix.AT_FDCWD, j("a", "p2"), unix.AT_FDCWD, j("q"), unix.RENAME_EXCHANGE))
	if got := readString(t, j("q")) + readString(t, j("a", "p2")); got != "pq" {
		t.Errorf("after RENAME_EXCHANGE: %q, want pq", got)
	}
	must(t, unix.Renameat2(unix.AT_FDCWD, j("q"), unix.AT_FDCWD, j("empty"), unix.RENAME_EXCHANGE))
	if got := readString(t, j("q", long1)) + readString(t, j("empty")); got != "deepp" {
		t.Errorf("after exchanging a file and a directory: %q", got)
	}
	must(t, unix.Renameat2(unix.AT_FDCWD, j("a", long2), unix.AT_FDCWD, j("q"), unix.RENAME_EXCHANGE))
	if got := readString(t, j("q")) + readString(t, j("a", long2, long1)); got != "xdeep" {
		t.Errorf("after exchanging with a long name: %q", got)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, j("q"), unix.AT_FDCWD, j("nonexistent"), unix.RENAME_EXCHANGE); err != unix.ENOENT {
		t.Errorf("RENAME_EXCHANGE with a missing target: %v", err)
	}
}

func TestLinksSpecial(t *testing.T) {
	mnt := posixMount(t)
	j := func(p ...string) string { return filepath.Join(append([]string{mnt}, p...)...) }
	long := strings.Repeat("h", 240)
	must(t, os.WriteFile(j("f"), []byte("content"), 0o644))
	must(t, os.Mkdir(j("d"), 0o755))
	must(t, os.Link(j("f"), j("d", long)))
	must(t, os.Link(j("d", long), j("f2")))
	if st := lstat(t, j("f2")); st.Nlink != 3 || st.Ino != lstat(t, j("f")).Ino {
		t.Errorf("hard links: nlink %d", st.Nlink)
	}
	// A write through one name shows through the others.
	must(t, os.WriteFile(j("d", long), []byte("changed"), 0o644))
	if got := readString(t, j("f")) + readString(t, j("f2")); got != "changedchanged" {
		t.Errorf("through hard links: %q", got)
	}
	if err := os.Link(j("d"), j("dlink")); err == nil {
		t.Error("hard link to a directory succeeded")
	}

	target := strings.Repeat("t/", 1000) + "end" // 2003 bytes
	must(t, os.Symlink(target, j("d", "sym")))
	if got, err := os.Readlink(j("d", "sym")); err != nil || got != target {
		t.Errorf("readlink of a long target: %d bytes, %v", len(got), err)
	}
	wantStat(t, j("d", "sym"), int64(len(target)), unix.S_IFLNK|0o777)
	must(t, os.Symlink("../f", j("d", "rel")))
	if got := readString(t, j("d", "rel")); got != "changed" {
		t.Errorf("through a relative symlink: %q", got)
	}
	if err := os.Symlink("x", j("d", "rel")); !errors.Is(err, unix.EEXIST) {
		t.Errorf("symlink over an existing name: %v", err)
	}

	must(t, unix.Mkfifo(j("fifo"), 0o640))
	wantStat(t, j("fifo"), 0, unix.S_IFIFO|0o640)
	must(t, unix.Mknod(j("sock"), unix.S_IFSOCK|0o600, 0))
	wantStat(t, j("sock"), 0, unix.S_IFSOCK|0o600)
	must(t, unix.Mknod(j("null"), unix.S_IFCHR|0o644, int(unix.Mkdev(1, 3))))
	st := lstat(t, j("null"))
	if st.Mode != unix.S_IFCHR|0o644 || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("char device: mode %#o rdev %#x", st.Mode, st.Rdev)
	}
	must(t, unix.Mknod(j("blk"), unix.S_IFBLK|0o600, int(unix.Mkdev(7, 200))))
	if st := lstat(t, j("blk")); st.Rdev != unix.Mkdev(7, 200) {
		t.Errorf("block device: rdev %#x", st.Rdev)
	}
	// The FIFO works: a writer and a reader meet through the kernel.
	done := make(chan string)
	go func() {
		b, _ := os.ReadFile(j("fifo"))
		done <- string(b)
	}()
	must(t, os.WriteFile(j("fifo"), []byte("through the pipe"), 0))
	if got := <-done; got != "through the pipe" {
		t.Errorf("fifo: %q", got)
	}
	// A special file cannot be opened by the daemon as a regular one.
	if got := listDir(t, mnt); got != "blk,d,f,f2,fifo,null,sock" {
		t.Errorf("listing: %s", got)
	}
}

// TestPermissionsAsOtherUser checks that the kernel enforces modes and
// owners for another user, as on ext4 (allow_other + default_permissions).
func TestPermissionsAsOtherUser(t *testing.T) {
	needTools(t, "setpriv", "cat", "sh")
	dir, fsys := newVault(t, crypto.AESGCM)
	must(t, os.Chmod(dir, 0o755)) // the vault root's mode is the mount root's
	mnt := mountFS(t, fsys, mount.Options{AllowOther: true})
	// The test directories are 0700; let the other user reach the mount.
	for d := filepath.Dir(mnt); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		must(t, os.Chmod(d, 0o755))
	}
	as := func(script string) (string, error) {
		return runErr(mnt, nil, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", script)
	}
	must(t, os.WriteFile(filepath.Join(mnt, "secret"), []byte("root only"), 0o600))
	must(t, os.WriteFile(filepath.Join(mnt, "public"), []byte("anyone"), 0o644))
	must(t, os.Mkdir(filepath.Join(mnt, "closed"), 0o700))
	must(t, os.WriteFile(filepath.Join(mnt, "closed", "inner"), []byte("x"), 0o644))
	must(t, os.Mkdir(filepath.Join(mnt, "open"), 0o777))
	must(t, os.Chmod(filepath.Join(mnt, "open"), 0o777)) // past the umask

	if out, err := as("cat public"); err != nil || out != "anyone" {
		t.Errorf("nobody reads a 0644 file: %q %v", out, err)
	}
	if out, err := as("cat secret"); err == nil || !strings.Contains(out, "Permission denied") {
		t.Errorf("nobody reads a 0600 root file: %q %v, want Permission denied", out, err)
	}
	if out, err := as("echo x >> public"); err == nil || !strings.Contains(out, "Permission denied") {
		t.Errorf("nobody appends to a 0644 root file: %q %v", out, err)
	}
	if out, err := as("cat closed/inner"); err == nil || !strings.Contains(out, "Permission denied") {
		t.Errorf("nobody reads through a 0700 directory: %q %v", out, err)
	}
	if out, err := as("touch newfile"); err == nil {
		t.Errorf("nobody creates in a 0755 root directory: %q", out)
	}
	if out, err := as("chmod 777 secret"); err == nil {
		t.Errorf("nobody chmods a root file: %q", out)
	}
	// In a 0777 directory nobody creates files that it owns.
	if out, err := as("echo mine > open/n && mkdir open/nd && cat open/n"); err != nil || out != "mine\n" {
		t.Fatalf("nobody writes in a 0777 directory: %q %v", out, err)
	}
	for _, n := range []string{"open/n", "open/nd"} {
		if st := lstat(t, filepath.Join(mnt, n)); st.Uid != 65534 || st.Gid != 65534 {
			t.Errorf("%s owned by %d:%d, want 65534:65534", n, st.Uid, st.Gid)
		}
	}
}

// TestPathMax uses plaintext paths near PATH_MAX: nested 200-byte names.
// Each is a long name in the vault.
func TestPathMax(t *testing.T) {
	mnt := posixMount(t)
	comp := strings.Repeat("p", 200)
	p := mnt
	for len(p)+len(comp)+1 <= 3800 {
		p = filepath.Join(p, comp)
		must(t, os.Mkdir(p, 0o755))
	}
	leaf := filepath.Join(p, strings.Repeat("f", min(255, 4000-len(p)-1)))
	if len(leaf) < 3800 || len(leaf) >= unix.PathMax {
		t.Fatalf("path only %d bytes", len(leaf))
	}
	data := bytes.Repeat([]byte("deep "), 2000)
	must(t, os.WriteFile(leaf, data, 0o644))
	if got, err := os.ReadFile(leaf); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back at %d bytes of path: %v", len(leaf), err)
	}
	must(t, os.Rename(leaf, leaf[:len(leaf)-1]+"g"))
	must(t, os.Symlink(strings.Repeat("../", 10), leaf))
	must(t, os.Chmod(leaf[:len(leaf)-1]+"g", 0o600))
	wantStat(t, leaf[:len(leaf)-1]+"g", int64(len(data)), unix.S_IFREG|0o600)
	if got := listDir(t, p); !strings.Contains(got, filepath.Base(leaf)) {
		t.Errorf("listing of the deepest directory: %q", got)
	}
	// Remove it all again from the deepest level up.
	must(t, os.RemoveAll(filepath.Join(mnt, comp)))
	if got := listDir(t, mnt); got != "" {
		t.Errorf("after RemoveAll: %q", got)
	}
}
