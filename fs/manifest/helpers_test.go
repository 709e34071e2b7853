package manifest_test

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/manifest"
	"golang.org/x/sys/unix"
)

const bs = crypto.BlockSize

// machine is a vault opened on one simulated machine (its own state dir).
type machine struct {
	t     *testing.T
	dir   string
	key   []byte
	fs    *fs.FS
	state *manifest.State
	keys  *crypto.SealKeys
	v     *manifest.Vault
}

// newVault makes an empty vault in a temporary directory.
func newVault(t *testing.T) (dir string, key []byte) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "cipher")
	must(t, os.Mkdir(dir, 0o755))
	iv := make([]byte, crypto.DirIVSize)
	rand.Read(iv)
	must(t, os.WriteFile(filepath.Join(dir, crypto.DirIVName), iv, 0o444))
	return dir, crypto.NewMasterKey()
}

// open opens the vault in dir on a machine whose state is stateDir.
func open(t *testing.T, dir string, key []byte, stateDir string) *machine {
	t.Helper()
	return openAlg(t, dir, key, stateDir, crypto.AESGCM)
}

// openAlg is open for a vault of the given content algorithm.
func openAlg(t *testing.T, dir string, key []byte, stateDir string, alg crypto.Algorithm) *machine {
	t.Helper()
	f, err := fs.New(dir, key, fs.Options{Algorithm: alg, Raw64: true, DirIV: true})
	must(t, err)
	t.Cleanup(func() { f.Close() })
	st, err := manifest.OpenState(stateDir)
	must(t, err)
	keys := crypto.DeriveSealKeys(key)
	v, err := manifest.New(f, keys, st)
	must(t, err)
	return &machine{t: t, dir: dir, key: key, fs: f, state: st, keys: keys, v: v}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// write creates or replaces a file through the vault.
func (m *machine) write(p string, data []byte) {
	m.t.Helper()
	fl, err := m.fs.Create(p, unix.O_RDWR|unix.O_TRUNC, 0o644, nil)
	must(m.t, err)
	defer fl.Close()
	if len(data) > 0 {
		_, err = fl.WriteAt(data, 0)
		must(m.t, err)
	}
}

// cipher returns the backing path of a plaintext path.
func (m *machine) cipher(p string) string {
	m.t.Helper()
	c, err := m.fs.CipherPath(p)
	must(m.t, err)
	return filepath.Join(m.dir, c)
}

func (m *machine) seal() {
	m.t.Helper()
	if _, err := m.v.Seal(context.Background(), false); err != nil {
		m.t.Fatal(err)
	}
}

func (m *machine) verify() *manifest.Report {
	m.t.Helper()
	r, err := m.v.Verify(context.Background(), nil)
	must(m.t, err)
	return r
}

// data returns n random bytes.
func data(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// sh runs a shell command (the attacker's tools).
func sh(t *testing.T, cmd string, args ...string) {
	t.Helper()
	out, err := exec.Command(cmd, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", cmd, args, err, out)
	}
}

// expect checks that the report has exactly the given findings (kind and
// plaintext path).
func expect(t *testing.T, r *manifest.Report, want ...manifest.Finding) {
	t.Helper()
	got := map[[2]string]bool{}
	for _, f := range r.Findings {
		got[[2]string{string(f.Kind), f.Path}] = true
	}
	ok := len(r.Findings) == len(want)
	for _, w := range want {
		ok = ok && got[[2]string{string(w.Kind), w.Path}]
	}
	if !ok {
		t.Errorf("findings:\n%s\nwant %v", dump(r), want)
	}
}

func dump(r *manifest.Report) string {
	s := ""
	for _, f := range r.Findings {
		s += "  " + string(f.Kind) + ": " + f.Path + " (" + f.CipherPath + "): " + f.Detail + "\n"
	}
	return s
}
