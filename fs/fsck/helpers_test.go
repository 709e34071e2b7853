package fsck_test

import (
	"io"
	mrand "math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/syncname"
	"golang.org/x/sys/unix"
)

const bs = crypto.BlockSize

// vault is a test cipherdir and its key.
type vault struct {
	*fs.FS
	dir string
	key []byte
}

// newVault makes an empty AES-GCM vault with a root diriv.
func newVault(t *testing.T) *vault {
	t.Helper()
	dir := t.TempDir()
	v := &vault{dir: dir, key: crypto.NewMasterKey()}
	v.FS = fstest.NewVaultIn(t, dir, v.key, fs.Options{Algorithm: crypto.AESGCM, Raw64: true, DirIV: true})
	return v
}

// open returns a new view of the vault (no cached directories).
func (v *vault) open(t *testing.T) *fs.FS {
	t.Helper()
	f, err := fs.New(v.dir, v.key, fs.Options{Algorithm: crypto.AESGCM, Raw64: true, DirIV: true})
	must(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	fstest.Must(t, err)
}

// write creates a file with data through f.
func write(t *testing.T, f *fs.FS, p string, data []byte) {
	t.Helper()
	fl, err := f.Create(p, unix.O_RDWR|unix.O_TRUNC, 0o644, nil)
	must(t, err)
	defer fl.Close()
	if len(data) > 0 {
		_, err = fl.WriteAt(data, 0)
		must(t, err)
	}
}

// read returns the content of a file through f.
func read(t *testing.T, f *fs.FS, p string) []byte {
	t.Helper()
	fl, err := f.Open(p, unix.O_RDONLY)
	must(t, err)
	defer fl.Close()
	st, err := fl.Stat()
	must(t, err)
	buf := make([]byte, st.Size)
	n, err := fl.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		t.Fatalf("read %s: %v", p, err)
	}
	return buf[:n]
}

// backing returns the absolute backing path of a plaintext path.
func (v *vault) backing(t *testing.T, p string) string {
	t.Helper()
	cp, err := v.CipherPath(p)
	must(t, err)
	return filepath.Join(v.dir, cp)
}

// flip damages one byte of a backing file.
func flip(t *testing.T, file string, off int64) {
	t.Helper()
	b, err := os.ReadFile(file)
	must(t, err)
	b[off] ^= 0x55
	must(t, os.WriteFile(file, b, 0o644))
}

// conflictForm inserts a sync client's marker before the extension.
func conflictForm(name, marker string) string { return syncname.Insert(name, marker) }

func randBytes(seed int64, n int) []byte {
	b := make([]byte, n)
	mrand.New(mrand.NewSource(seed)).Read(b)
	return b
}

// age makes a backing file look older than the orphan grace period.
func age(t *testing.T, file string) {
	t.Helper()
	old := time.Now().Add(-24 * time.Hour)
	must(t, os.Chtimes(file, old, old))
}

// gocryptfsFsck runs gocryptfs -fsck on the vault and fails the test if
// it finds anything; it skips without the binary unless CI=true.
func gocryptfsFsck(t *testing.T, v *vault) {
	t.Helper()
	if out, err := runGocryptfsFsck(t, v); err != nil {
		t.Fatalf("gocryptfs -fsck: %v\n%s", err, out)
	}
}

// runGocryptfsFsck runs gocryptfs -fsck on the vault.
func runGocryptfsFsck(t *testing.T, v *vault) ([]byte, error) {
	t.Helper()
	if _, err := exec.LookPath("gocryptfs"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("gocryptfs not installed (CI=true): %v", err)
		}
		t.Skip("gocryptfs not installed")
	}
	return exec.Command("gocryptfs", "-q", "-nosyslog", "-masterkey="+crypto.FormatMasterKey(v.key), "-fsck", v.dir).CombinedOutput()
}
