package fs_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
)

// variant is one option set a conformance suite runs with.
type variant struct {
	name string
	opts fs.Options
}

// variants are the format variants every suite runs against: both
// content algorithms, a low long-name threshold (so that ordinary test
// names become long names) and deterministic names (no diriv files).
var variants = []variant{
	{"aesgcm", fs.Options{Algorithm: crypto.AESGCM, Raw64: true, DirIV: true}},
	{"xchacha", fs.Options{Algorithm: crypto.XChaCha20Poly1305, Raw64: true, DirIV: true}},
	{"longnamemax64", fs.Options{Algorithm: crypto.AESGCM, Raw64: true, DirIV: true, LongNameMax: 64}},
	{"deterministic", fs.Options{Algorithm: crypto.AESGCM, Raw64: true, DirIV: false}},
}

// forEachVariant runs fn as a subtest per variant.
func forEachVariant(t *testing.T, fn func(t *testing.T, v variant)) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) { fn(t, v) })
	}
}

// vault is a fresh cipherdir opened through fs.
type vault struct {
	*fs.FS
	dir  string
	key  []byte
	opts fs.Options
}

// newVault makes an empty cipherdir in t.TempDir (with a random root
// gocryptfs.diriv when opts.DirIV is set) and opens it.
func newVault(t testing.TB, opts fs.Options) *vault {
	t.Helper()
	return newVaultIn(t, t.TempDir(), opts)
}

// newVaultIn is newVault on an existing empty directory.
func newVaultIn(t testing.TB, dir string, opts fs.Options) *vault {
	t.Helper()
	v := &vault{dir: dir, key: crypto.NewMasterKey(), opts: opts}
	v.FS = fstest.NewVaultIn(t, dir, v.key, opts)
	return v
}

// open returns another, independent fs.FS on the same cipherdir.
func (v *vault) open(t testing.TB) *fs.FS {
	t.Helper()
	f, err := fs.New(v.dir, v.key, v.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// backing returns the absolute backing path of a plaintext path.
func (v *vault) backing(t testing.TB, path string) string {
	t.Helper()
	cp, err := v.CipherPath(path)
	if err != nil {
		t.Fatalf("CipherPath(%q): %v", path, err)
	}
	return filepath.Join(v.dir, cp)
}

// wantErrno fails unless err wraps errno.
func wantErrno(t testing.TB, err error, errno unix.Errno, what string) {
	t.Helper()
	if !errors.Is(err, errno) {
		t.Fatalf("%s: got error %v, want %v", what, err, errno)
	}
}

// must fails the test on a non-nil error.
func must(t testing.TB, err error) {
	t.Helper()
	fstest.Must(t, err)
}

// writeFile creates path (mode 0644) with data through fs.
func writeFile(t testing.TB, f *fs.FS, path string, data []byte) {
	t.Helper()
	fl, err := f.Create(path, unix.O_RDWR|unix.O_TRUNC, 0o644, nil)
	if err != nil {
		t.Fatalf("create %q: %v", path, err)
	}
	defer fl.Close()
	if len(data) > 0 {
		if n, err := fl.WriteAt(data, 0); err != nil || n != len(data) {
			t.Fatalf("write %q: %d, %v", path, n, err)
		}
	}
}

// readFile returns the whole plaintext of path through fs.
func readFile(t testing.TB, f *fs.FS, path string) []byte {
	t.Helper()
	b, err := tryReadFile(f, path)
	if err != nil {
		t.Fatalf("read %q: %v", path, err)
	}
	return b
}

func tryReadFile(f *fs.FS, path string) ([]byte, error) {
	fl, err := f.Open(path, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	st, err := fl.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size > 1<<30 {
		return nil, fmt.Errorf("%s: %d bytes is too large to read in a test", path, st.Size)
	}
	buf := make([]byte, st.Size+1)
	n, err := fl.ReadAt(buf, 0)
	if err != io.EOF {
		if err == nil {
			err = errors.New("ReadAt past the size returned no io.EOF")
		}
		return buf[:n], err
	}
	if int64(n) != st.Size {
		return buf[:n], errors.New("ReadAt returned fewer bytes than Stat says")
	}
	return buf[:n], nil
}

// names returns the plaintext names in dir.
func names(t testing.TB, f *fs.FS, dir string) []string {
	t.Helper()
	ents, err := f.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir(%q): %v", dir, err)
	}
	out := make([]string, len(ents))
	for i, e := range ents {
		out[i] = e.Name
	}
	return out
}

// diskNames returns the raw backing names in a backing directory.
func diskNames(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ents))
	for i, e := range ents {
		out[i] = e.Name()
	}
	return out
}

// skipOrFail skips the test, or fails it under CI=true.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	fstest.SkipOrFail(t, format, args...)
}
