package mount_test

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// Interop through mounts: a tree written through a cofferfs mount reads
// the same through a gocryptfs mount of the same cipherdir, and the other
// way round.

const interopPassword = "interop test password"

type interopCase struct {
	name        string
	xchacha     bool
	longNameMax int
}

var interopCases = []interopCase{
	{"aesgcm", false, 0},
	{"xchacha", true, 0},
	{"aesgcm-longnamemax62", false, 62},
}

// interopTree is the tree both directions write: makeTree plus xattrs,
// a sparse file, a FIFO and names around the long-name thresholds.
func interopTree(t *testing.T) string {
	src := makeTree(t, 120, 5)
	must(t, unix.Setxattr(filepath.Join(src, "d00"), "user.dir-attr", []byte("on a directory"), 0))
	must(t, unix.Setxattr(filepath.Join(src, "d00", "file-00000.dat"), "user.a", []byte("value a"), 0))
	must(t, unix.Setxattr(filepath.Join(src, "d00", "file-00000.dat"), "user.empty", nil, 0))
	f, err := os.Create(filepath.Join(src, "sparse"))
	must(t, err)
	_, err = f.WriteAt([]byte("end of a sparse file"), 3<<20)
	must(t, err)
	must(t, f.Close())
	must(t, unix.Mkfifo(filepath.Join(src, "fifo"), 0o600))
	must(t, os.Mkdir(filepath.Join(src, "names"), 0o755))
	for _, n := range []int{40, 41, 175, 176, 255} {
		must(t, os.WriteFile(filepath.Join(src, "names", strings.Repeat("x", n)), []byte(fmt.Sprint(n)), 0o640))
	}
	must(t, os.WriteFile(filepath.Join(src, "block"), make([]byte, bs), 0o644))
	return src
}

func passFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "pass")
	must(t, os.WriteFile(p, []byte(interopPassword+"\n"), 0o600))
	return p
}

// gocryptfsMount mounts cipherdir with the real gocryptfs and returns the
// mountpoint; unmount undoes it (also run at the end of the test).
func gocryptfsMount(t *testing.T, cipherdir, pass string) (mnt string, unmount func()) {
	t.Helper()
	mnt = t.TempDir()
	run(t, "", nil, "gocryptfs", "-q", "-nosyslog", "-passfile", pass, cipherdir, mnt)
	mounted := true
	unmount = func() {
		if !mounted {
			return
		}
		mounted = false
		for i := 0; ; i++ {
			err := unix.Unmount(mnt, 0)
			if err == nil {
				return
			}
			if i == 50 {
				t.Errorf("unmount gocryptfs at %s: %v", mnt, err)
				unix.Unmount(mnt, unix.MNT_DETACH)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	t.Cleanup(unmount)
	return mnt, unmount
}

// cofferMount mounts fsys like mountFS but lets the test unmount early.
func cofferMount(t *testing.T, fsys *fs.FS) (mnt string, unmount func()) {
	t.Helper()
	canMount(t)
	mnt = t.TempDir()
	srv, err := mount.Mount(fsys, mnt, mount.Options{Logger: nil})
	if err != nil {
		t.Fatal(err)
	}
	mounted := true
	unmount = func() {
		if !mounted {
			return
		}
		mounted = false
		for i := 0; ; i++ {
			err := srv.Unmount()
			if err == nil {
				break
			}
			if i == 50 {
				t.Errorf("unmount %s: %v", mnt, err)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		srv.Wait()
		fsys.Close()
	}
	t.Cleanup(unmount)
	return mnt, unmount
}

func manifestOf(t *testing.T, dir string) string {
	t.Helper()
	m, err := fstest.Manifest(fstest.DirTree(dir))
	if err != nil {
		t.Fatalf("manifest of %s: %v", dir, err)
	}
	return m
}

func compareManifests(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Fatalf("%s: manifests differ at line %d:\n got %s\nwant %s", what, i, g[i], w[i])
		}
	}
	t.Fatalf("%s: manifests have %d and %d lines", what, len(g), len(w))
}

func openVault(t *testing.T, dir string) *fs.FS {
	t.Helper()
	c, err := config.Load(filepath.Join(dir, "gocryptfs.conf"))
	must(t, err)
	key, err := c.MasterKey([]byte(interopPassword))
	must(t, err)
	fsys, err := fs.New(dir, key, fs.Options{Algorithm: c.Algorithm(), Raw64: c.Raw64(), DirIV: c.DirIV(), LongNameMax: c.NameMax()})
	must(t, err)
	return fsys
}

func TestInteropCofferToGocryptfs(t *testing.T) {
	needTools(t, "gocryptfs", "cp")
	canMount(t)
	src := interopTree(t)
	want := manifestOf(t, src)
	for _, tc := range interopCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c, key, err := config.Create(config.CreateOptions{ScryptLogN: 10, XChaCha: tc.xchacha, LongNameMax: tc.longNameMax}, []byte(interopPassword))
			must(t, err)
			must(t, config.WriteFile(filepath.Join(dir, "gocryptfs.conf"), c))
			iv := make([]byte, crypto.DirIVSize)
			rand.Read(iv)
			must(t, os.WriteFile(filepath.Join(dir, crypto.DirIVName), iv, 0o444))
			fsys, err := fs.New(dir, key, fs.Options{Algorithm: c.Algorithm(), Raw64: c.Raw64(), DirIV: c.DirIV(), LongNameMax: c.NameMax()})
			must(t, err)

			mnt, unmount := cofferMount(t, fsys)
			run(t, "", nil, "cp", "-a", src+"/.", mnt)
			compareManifests(t, "cofferfs mount", manifestOf(t, mnt), want)
			unmount()

			pass := passFile(t)
			gmnt, gunmount := gocryptfsMount(t, dir, pass)
			compareManifests(t, "gocryptfs mount of a cofferfs-written vault", manifestOf(t, gmnt), want)
			gunmount()
		})
	}
}

func TestInteropGocryptfsToCoffer(t *testing.T) {
	needTools(t, "gocryptfs", "cp")
	canMount(t)
	src := interopTree(t)
	want := manifestOf(t, src)
	for _, tc := range interopCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			pass := passFile(t)
			args := []string{"-init", "-q", "-scryptn", "10", "-passfile", pass}
			if tc.xchacha {
				args = append(args, "-xchacha")
			}
			if tc.longNameMax != 0 {
				args = append(args, "-longnamemax", fmt.Sprint(tc.longNameMax))
			}
			run(t, "", nil, "gocryptfs", append(args, dir)...)
			gmnt, gunmount := gocryptfsMount(t, dir, pass)
			run(t, "", nil, "cp", "-a", src+"/.", gmnt)
			compareManifests(t, "gocryptfs mount", manifestOf(t, gmnt), want)
			gunmount()

			fsys := openVault(t, dir)
			mnt, unmount := cofferMount(t, fsys)
			compareManifests(t, "cofferfs mount of a gocryptfs-written vault", manifestOf(t, mnt), want)
			// Change it through cofferfs; gocryptfs sees the change.
			must(t, os.WriteFile(filepath.Join(mnt, "d00", "file-00000.dat"), []byte("rewritten"), 0o644))
			must(t, os.Rename(filepath.Join(mnt, "names", strings.Repeat("x", 255)), filepath.Join(mnt, strings.Repeat("y", 200))))
			after := manifestOf(t, mnt)
			unmount()
			gmnt, _ = gocryptfsMount(t, dir, pass)
			compareManifests(t, "gocryptfs mount after cofferfs changes", manifestOf(t, gmnt), after)
		})
	}
}
