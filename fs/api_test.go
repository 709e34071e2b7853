package fs_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
)

func TestCipherPathPlainPath(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long := strings.Repeat("P", 200)
		dirs := []string{"a", "a/b", long, long + "/" + long, "日本"}
		for _, d := range dirs {
			must(t, v.Mkdir(d, 0o755, nil))
		}
		files := []string{"f", "a/b/f", "a/b/" + long, long + "/" + long + "/" + long, "日本/Grüße"}
		for _, f := range files {
			writeFile(t, v.FS, f, nil)
		}
		for _, p := range append(dirs, files...) {
			cp, err := v.CipherPath(p)
			must(t, err)
			if _, err := os.Lstat(filepath.Join(v.dir, cp)); err != nil {
				t.Errorf("CipherPath(%.20q) = %.40q does not exist: %v", p, cp, err)
			}
			if strings.Count(cp, "/") != strings.Count(p, "/") {
				t.Errorf("CipherPath(%.20q) = %q has another depth", p, cp)
			}
			back, err := v.PlainPath(cp)
			if err != nil || back != p {
				t.Errorf("PlainPath(CipherPath(%.20q)) = %.20q, %v", p, back, err)
			}
			if base := filepath.Base(cp); crypto.IsLongName(base) {
				if back, err := v.PlainPath(cp + crypto.LongNameSuffix); err != nil || back != p {
					t.Errorf("PlainPath of the .name file of %.20q = %.20q, %v", p, back, err)
				}
			}
			if back, err := v.PlainPath("/" + cp + "/"); err != nil || back != p {
				t.Errorf("PlainPath with slashes: %.20q, %v", back, err)
			}
		}
		if cp, err := v.CipherPath(""); cp != "" || err != nil {
			t.Errorf(`CipherPath("") = %q, %v`, cp, err)
		}
		_, err := v.CipherPath("missing/x")
		wantErrno(t, err, unix.ENOENT, "CipherPath under a missing dir")
		if _, err := v.PlainPath("AAAAAAAAAAAAAAAAAAAAA"); /* 15 bytes: never a name, whatever the key */ !fs.IsCorrupt(err) {
			t.Errorf("PlainPath of a name that does not decrypt: %v, want a corruption error", err)
		}
		for _, bad := range []string{crypto.DirIVName, "gocryptfs.longname.nope", "a/../b"} {
			if p, err := v.PlainPath(bad); err == nil {
				t.Errorf("PlainPath(%q) = %q, want an error", bad, p)
			}
		}
	})
}

// TestReadOnly checks that a read-only FS reads everything and refuses
// every change with EROFS, and that the cipherdir stays byte for byte.
func TestReadOnly(t *testing.T) {
	w := newVault(t, variants[0].opts)
	long := strings.Repeat("R", 200)
	must(t, w.Mkdir("dir", 0o755, nil))
	must(t, w.Mkdir("empty", 0o755, nil))
	writeFile(t, w.FS, long, []byte("content"))
	must(t, w.Setxattr(long, "user.x", []byte("v"), 0))
	must(t, w.Symlink("target", "link", nil))
	before := manifest(t, fstest.DirTree(w.dir))

	opts := w.opts
	opts.ReadOnly = true
	v := &vault{dir: w.dir, key: w.key, opts: opts}
	v.FS = v.open(t)
	if !v.ReadOnly() {
		t.Fatal("ReadOnly() = false")
	}
	ts := unix.Timespec{Sec: 1}
	f, err := v.Open(long, unix.O_RDONLY)
	must(t, err)
	defer f.Close()
	_, werr := f.WriteAt([]byte("x"), 0)
	wantErrno(t, werr, unix.EBADF, "WriteAt on a read-only handle")
	for what, err := range map[string]error{
		"Mkdir":         v.Mkdir("new", 0o755, nil),
		"Rmdir":         v.Rmdir("empty"),
		"Unlink":        v.Unlink(long),
		"Rename":        v.Rename(long, "x", 0),
		"Link":          v.Link(long, "x"),
		"Symlink":       v.Symlink("t", "x", nil),
		"Mknod":         v.Mknod("x", unix.S_IFIFO|0o644, 0, nil),
		"Chmod":         v.Chmod(long, 0o600),
		"Chown":         v.Chown(long, 1, 1),
		"Utimens":       v.Utimens(long, ts, ts),
		"Truncate":      v.Truncate(long, 0),
		"Setxattr":      v.Setxattr(long, "user.y", nil, 0),
		"Removexattr":   v.Removexattr(long, "user.x"),
		"File.Truncate": f.Truncate(0),
		"Create":        second(v.Create("x", unix.O_RDWR, 0o644, nil)),
		"Open O_WRONLY": second(v.Open(long, unix.O_WRONLY)),
		"Open O_RDWR":   second(v.Open(long, unix.O_RDWR)),
		"Open O_TRUNC":  second(v.Open(long, unix.O_RDONLY|unix.O_TRUNC)),
	} {
		wantErrno(t, err, unix.EROFS, what)
	}
	if got := readFile(t, v.FS, long); string(got) != "content" {
		t.Errorf("read %q", got)
	}
	if got, err := v.Getxattr(long, "user.x"); string(got) != "v" || err != nil {
		t.Errorf("Getxattr %q, %v", got, err)
	}
	if got, err := v.Readlink("link"); got != "target" || err != nil {
		t.Errorf("Readlink %q, %v", got, err)
	}
	if got := names(t, v.FS, ""); len(got) != 4 {
		t.Errorf("ReadDir %q", got)
	}
	if after := manifest(t, fstest.DirTree(w.dir)); after != before {
		t.Errorf("the cipherdir changed:\n%s\n->\n%s", before, after)
	}
}

func second[T any](_ T, err error) error { return err }

// TestErrnos checks that errors wrap the errno a syscall would give, so
// errors.Is works on them.
func TestErrnos(t *testing.T) {
	v := newVault(t, variants[0].opts)
	writeFile(t, v.FS, "f", []byte("data"))
	must(t, v.Mkdir("d", 0o755, nil))
	ts := unix.Timespec{Sec: 1}
	cases := []struct {
		errno unix.Errno
		what  string
		err   error
	}{
		{unix.ENOENT, "Stat", second(v.Stat("missing"))},
		{unix.ENOENT, "Stat in a missing dir", second(v.Stat("missing/x"))},
		{unix.ENOENT, "Open", second(v.Open("missing", unix.O_RDONLY))},
		{unix.ENOENT, "ReadDir", second(v.ReadDir("missing"))},
		{unix.ENOENT, "Readlink", second(v.Readlink("missing"))},
		{unix.ENOENT, "Truncate", v.Truncate("missing", 0)},
		{unix.ENOENT, "Utimens", v.Utimens("missing", ts, ts)},
		{unix.ENOENT, "Unlink", v.Unlink("missing")},
		{unix.ENOENT, "Rename", v.Rename("missing", "x", 0)},
		{unix.ENOENT, "Create in a missing dir", second(v.Create("missing/x", unix.O_RDWR, 0o644, nil))},
		{unix.ENOTDIR, "Stat under a file", second(v.Stat("f/x"))},
		{unix.ENOTDIR, "Create under a file", second(v.Create("f/x", unix.O_RDWR, 0o644, nil))},
		{unix.ENOTDIR, "ReadDir of a file", second(v.ReadDir("f"))},
		{unix.EISDIR, "Open of a dir", second(v.Open("d", unix.O_RDONLY))},
		{unix.EISDIR, "Create over a dir", second(v.Create("d", unix.O_RDWR, 0o644, nil))},
		{unix.EEXIST, "Create O_EXCL", second(v.Create("f", unix.O_RDWR|unix.O_EXCL, 0o644, nil))},
		{unix.ENAMETOOLONG, "Stat of a 256-byte name", second(v.Stat(strings.Repeat("n", 256)))},
		{unix.ENAMETOOLONG, "Create of a 256-byte name", second(v.Create(strings.Repeat("n", 256), unix.O_RDWR, 0o644, nil))},
		{unix.ENAMETOOLONG, "Mkdir of a 256-byte name", v.Mkdir("d/"+strings.Repeat("n", 256), 0o755, nil)},
		{unix.EINVAL, "Stat of a/../b", second(v.Stat("d/../f"))},
		{unix.EINVAL, "Stat of a/./b", second(v.Stat("d/./f"))},
		{unix.EINVAL, "Stat of a//b", second(v.Stat("d//f"))},
		{unix.EINVAL, "Create with a NUL", second(v.Create("a\x00b", unix.O_RDWR, 0o644, nil))},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.errno) {
			t.Errorf("%s: %v, want %v", c.what, c.err, c.errno)
		}
	}
	ro, err := v.Open("f", unix.O_RDONLY)
	must(t, err)
	defer ro.Close()
	_, err = ro.WriteAt([]byte("x"), 0)
	wantErrno(t, err, unix.EBADF, "WriteAt on an O_RDONLY handle")
	wantErrno(t, ro.Truncate(0), unix.EINVAL, "Truncate on an O_RDONLY handle")
	rw, err := v.Open("f", unix.O_RDWR)
	must(t, err)
	defer rw.Close()
	_, err = rw.WriteAt([]byte("x"), -1)
	wantErrno(t, err, unix.EINVAL, "WriteAt at a negative offset")
	if n, err := rw.WriteAt(nil, 1<<40); n != 0 || err != nil {
		t.Errorf("empty WriteAt: %d, %v", n, err)
	}
	if st, _ := rw.Stat(); st.Size != 4 {
		t.Errorf("empty write far past EOF changed the size to %d", st.Size)
	}
	if n, err := rw.ReadAt(make([]byte, 10), 100); n != 0 || err != io.EOF {
		t.Errorf("ReadAt past EOF: %d, %v", n, err)
	}
	if st, err := v.Statfs(); err != nil || st.Namelen != 255 || st.Bsize == 0 {
		t.Errorf("Statfs: namelen %d bsize %d, %v", st.Namelen, st.Bsize, err)
	}
}

// TestLongPath works on a plaintext path of about 4000 bytes whose
// backing path is far longer than PATH_MAX: 175-byte names are the
// longest that are stored unhashed (235 characters).
func TestLongPath(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		comp := strings.Repeat("d", 174)
		p := ""
		for i := 0; len(p) < 3800; i++ {
			p += string(rune('a'+i%26)) + comp + "/"
			must(t, v.Mkdir(strings.TrimSuffix(p, "/"), 0o755, nil))
		}
		file := p + "file-" + strings.Repeat("f", 150)
		if len(file) < 3900 {
			t.Fatalf("path is only %d bytes", len(file))
		}
		cp, err := v.CipherPath(file)
		must(t, err)
		if len(cp) <= unix.PathMax && v.opts.LongNameMax == 0 {
			t.Fatalf("backing path of %d bytes is not over PATH_MAX", len(cp))
		}
		data := []byte(strings.Repeat("deep ", 2000))
		writeFile(t, v.FS, file, data)
		if got := readFile(t, v.FS, file); string(got) != string(data) {
			t.Error("content differs")
		}
		st, err := v.Stat(file)
		if err != nil || st.Size != int64(len(data)) {
			t.Errorf("Stat: size %d, %v", st.Size, err)
		}
		if got := names(t, v.FS, strings.TrimSuffix(p, "/")); len(got) != 1 || got[0] != filepath.Base(file) {
			t.Errorf("ReadDir: %q", got)
		}
		must(t, v.Symlink("t", p+"link", nil))
		must(t, v.Setxattr(file, "user.deep", []byte("x"), 0))
		must(t, v.Rename(file, p+"renamed", 0))
		if back, err := v.PlainPath(mustCipherPath(t, v, p+"renamed")); err != nil || back != p+"renamed" {
			t.Errorf("PlainPath round trip: %v", err)
		}
		must(t, v.Unlink(p+"renamed"))
		must(t, v.Unlink(p+"link"))
		for d := strings.TrimSuffix(p, "/"); d != ""; d = filepath.Dir(d) {
			must(t, v.Rmdir(d))
			if !strings.Contains(d, "/") {
				break
			}
		}
		if got := names(t, v.FS, ""); len(got) != 0 {
			t.Errorf("root after removing the tree: %q", got)
		}
		checkBackingClean(t, v)
	})
}

func mustCipherPath(t *testing.T, v *vault, p string) string {
	t.Helper()
	cp, err := v.CipherPath(p)
	must(t, err)
	return cp
}

// TestHugeOffsets writes, reads and truncates at offsets beyond what the
// backing file system or int64 arithmetic allows: every call fails or
// reads EOF, nothing panics, and the file keeps its content.
func TestHugeOffsets(t *testing.T) {
	// ext4 files end at 16 TiB.
	t.Run("ext4", func(t *testing.T) { testHugeOffsets(t, t.TempDir(), 1<<50, 1<<62) })
	// tmpfs files may grow to 2^63-1 bytes, so offsets that wrapped
	// around in the size arithmetic would reach the disk there.
	t.Run("tmpfs", func(t *testing.T) { testHugeOffsets(t, smallDisk(t)) })
}

func testHugeOffsets(t *testing.T, dir string, tooFar ...int64) {
	v := newVaultIn(t, dir, variants[0].opts)
	data := randBytes(5, 2*bs)
	writeFile(t, v.FS, "f", data)
	f, err := v.Open("f", unix.O_RDWR)
	must(t, err)
	defer f.Close()
	for _, off := range append(tooFar, 1<<63-1, 1<<63-bs, 1<<63-1<<20) {
		if _, err := f.WriteAt([]byte("x"), off); err == nil {
			t.Errorf("WriteAt at %d succeeded", off)
		}
		if n, err := f.ReadAt(make([]byte, 4), off); n != 0 || err != io.EOF {
			t.Errorf("ReadAt at %d: %d, %v", off, n, err)
		}
	}
	sizes := []uint64{1 << 63, 1<<64 - 1, 1<<63 - 1<<20}
	for _, off := range tooFar {
		sizes = append(sizes, uint64(off))
	}
	for _, size := range sizes {
		if err := f.Truncate(size); err == nil {
			t.Errorf("Truncate(%d) succeeded", size)
		}
	}
	if got := readFile(t, v.FS, "f"); !bytes.Equal(got, data) {
		t.Errorf("content changed (%d bytes)", len(got))
	}
	var st unix.Stat_t
	must(t, unix.Stat(v.backing(t, "f"), &st))
	if st.Size != int64(v.Content().CipherSize(2*bs)) {
		t.Errorf("backing size changed to %d", st.Size)
	}
}
