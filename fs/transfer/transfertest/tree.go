package transfertest

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// LongName is a 200-byte file name: its encrypted form is a long name.
var LongName = "long-" + strings.Repeat("n", 191) + ".txt"

// UnicodeName is a name with non-ASCII characters.
const UnicodeName = "Grüße – 日本 ✓.txt"

// SparseName is the sparse file of MakeTree, and SparseSize its size.
const (
	SparseName = "sparse.bin"
	SparseSize = 9 << 20
)

// MakeTree fills the existing directory dir with a varied tree: nested
// directories; files of 0, 1, 4095, 4096, 4097 bytes and a few MiB; a
// sparse file; a 200-byte and a Unicode name; relative, absolute and
// dangling symlinks; a file with three hard links; xattrs on a file and
// a directory; a FIFO; unusual modes; and distinct modification times.
func MakeTree(t testing.TB, dir string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	file := func(name string, size int, mode os.FileMode) {
		t.Helper()
		data := make([]byte, size+8)
		for i := 0; i < size; i += 8 {
			binary.LittleEndian.PutUint64(data[i:], rng.Uint64())
		}
		data = data[:size]
		p := filepath.Join(dir, name)
		must(os.MkdirAll(filepath.Dir(p), 0o755))
		must(os.WriteFile(p, data, 0o600))
		must(os.Chmod(p, mode))
	}
	file("empty.txt", 0, 0o644)
	file("one.txt", 1, 0o644)
	for _, n := range []int{4095, 4096, 4097} {
		file(blockName(n), n, 0o640)
	}
	file("big.bin", 3<<20+123, 0o644)
	file("nested/a/b/c/deep.txt", 20, 0o644)
	file(LongName, 30, 0o644)
	file(UnicodeName, 18, 0o644)
	file("private.txt", 10, 0o600)
	file("exec.sh", 10, 0o755)
	file("ro-dir/inside.txt", 5, 0o644)
	file("hard1", 5000, 0o644)
	makeSparse(t, filepath.Join(dir, SparseName))
	must(os.Link(filepath.Join(dir, "hard1"), filepath.Join(dir, "nested", "hard2")))
	must(os.Link(filepath.Join(dir, "hard1"), filepath.Join(dir, "nested/a", "hard3")))
	must(os.MkdirAll(filepath.Join(dir, "links"), 0o755))
	must(os.Symlink("../nested/a/b/c/deep.txt", filepath.Join(dir, "links", "relative")))
	must(os.Symlink("/etc/hostname", filepath.Join(dir, "links", "absolute")))
	must(os.Symlink("nowhere", filepath.Join(dir, "links", "dangling")))
	must(os.MkdirAll(filepath.Join(dir, "empty-dir"), 0o755))
	must(unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	must(unix.Lsetxattr(filepath.Join(dir, "one.txt"), "user.test", []byte("hello"), 0))
	must(unix.Lsetxattr(filepath.Join(dir, "nested"), "user.dir", []byte("a directory"), 0))
	must(unix.Lsetxattr(filepath.Join(dir, "big.bin"), "user.binary", []byte{0, 1, 2, 255}, 0))
	must(os.Chmod(filepath.Join(dir, "ro-dir"), 0o555))
	SetTimes(t, dir)
}

func blockName(n int) string { return "size-" + strconv.Itoa(n) + ".bin" }

// makeSparse writes a 9 MiB file with data in three places only.
func makeSparse(t testing.TB, p string) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, off := range []int64{0, 300*4096 + 5, SparseSize - 3} {
		if _, err := f.WriteAt([]byte("DAT"), off); err != nil {
			t.Fatal(err)
		}
	}
}

// SetTimes gives every entry below dir (and dir) a distinct access and
// modification time in the past, with nanoseconds, directories last.
func SetTimes(t testing.TB, dir string) {
	t.Helper()
	var paths []string
	filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		paths = append(paths, p)
		return err
	})
	base := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	for i := len(paths) - 1; i >= 0; i-- { // children before parents
		mt := unix.NsecToTimespec(base.Add(time.Duration(i)*time.Hour + time.Duration(i*1000+7)).UnixNano())
		at := unix.NsecToTimespec(base.Add(-time.Duration(i) * time.Minute).UnixNano())
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, paths[i], []unix.Timespec{at, mt}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			t.Fatal(err)
		}
	}
}
