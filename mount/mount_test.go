package mount_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/mount"
	"github.com/hanwen/go-fuse/v2/posixtest"
	"golang.org/x/sys/unix"
)

// canMount skips the test when FUSE is unavailable, except under CI=true
// where that is a failure.
func canMount(t *testing.T) {
	t.Helper()
	_, err := os.Stat("/dev/fuse")
	if err == nil && os.Geteuid() == 0 {
		return
	}
	fstest.SkipOrFail(t, "mount tests need root and /dev/fuse: euid %d, %v", os.Geteuid(), err)
}

// newVault makes an empty cipherdir with a root diriv and opens it.
func newVault(t *testing.T, alg crypto.Algorithm) (string, *fs.FS) {
	t.Helper()
	dir := t.TempDir()
	return dir, newVaultAt(t, dir, alg, fs.Options{})
}

// testTransport is the transport the mount tests use: the value of
// COFFERFS_TEST_TRANSPORT (auto, uring or dev), dev when it is unset.
// .ci/run runs the mount tests once with each.
func testTransport() string {
	if v := os.Getenv("COFFERFS_TEST_TRANSPORT"); v != "" {
		return v
	}
	return mount.TransportDev
}

// mountWith mounts fsys at mnt over the test transport (unless opts
// names one) and fails the test when the mount does not use it.
func mountWith(t *testing.T, fsys *fs.FS, mnt string, opts mount.Options) *mount.Server {
	t.Helper()
	if opts.Transport == "" {
		opts.Transport = testTransport()
	}
	srv, err := mount.Mount(fsys, mnt, opts)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Transport != mount.TransportAuto && srv.Transport() != opts.Transport {
		srv.Unmount()
		t.Fatalf("mount uses transport %s, want %s", srv.Transport(), opts.Transport)
	}
	return srv
}

// mountFS mounts fsys on a new temporary directory and unmounts it when
// the test ends.
func mountFS(t *testing.T, fsys *fs.FS, opts mount.Options) string {
	t.Helper()
	canMount(t)
	mnt := t.TempDir()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	srv := mountWith(t, fsys, mnt, opts)
	t.Cleanup(func() {
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
	})
	return mnt
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// posixSkip lists posixtest cases that do not describe Linux semantics.
var posixSkip = map[string]string{
	// It expects a second F_SETLK from the same process to conflict,
	// which holds only for go-fuse's loopback (OFD locks); on ext4 and
	// tmpfs it succeeds, and so it does here (TestLocks checks locks).
	"FcntlFlockLocksFile": "expects OFD semantics for POSIX locks",
}

func TestPosix(t *testing.T) {
	for name, fn := range posixtest.All {
		t.Run(name, func(t *testing.T) {
			if why := posixSkip[name]; why != "" {
				t.Skip(why)
			}
			_, fsys := newVault(t, crypto.AESGCM)
			fn(t, mountFS(t, fsys, mount.Options{}))
		})
	}
}

// TestLocks checks flock and POSIX record locks on the mount behave as
// on a local file system.
func TestLocks(t *testing.T) {
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{})
	p := filepath.Join(mnt, "lockfile")
	f1, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f1.Close()
	f2, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if err := unix.Flock(int(f1.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatalf("first flock: %v", err)
	}
	if err := unix.Flock(int(f2.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != unix.EWOULDBLOCK {
		t.Fatalf("second flock on another open file: %v, want EWOULDBLOCK", err)
	}
	unix.Flock(int(f1.Fd()), unix.LOCK_UN)
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f1.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		t.Fatalf("OFD lock: %v", err)
	}
	if err := unix.FcntlFlock(f2.Fd(), unix.F_OFD_SETLK, &lk); err != unix.EAGAIN {
		t.Fatalf("conflicting OFD lock: %v, want EAGAIN", err)
	}
}

// TestNoPlaintextInBacking proves the kernel never bypasses the daemon:
// what is written through the mount is ciphertext in the backing dir.
func TestNoPlaintextInBacking(t *testing.T) {
	dir, fsys := newVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{})
	secret := bytes.Repeat([]byte("TOP-SECRET-PLAINTEXT "), 10000)
	name := "secret-report-name.txt"
	if err := os.WriteFile(filepath.Join(mnt, name), secret, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(mnt, name))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("read back through mount: %v, equal=%v", err, bytes.Equal(got, secret))
	}
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(p, "secret") {
			t.Errorf("plaintext name in backing dir: %s", p)
		}
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(b, []byte("TOP-SECRET")) {
				t.Errorf("plaintext content in backing file %s", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGoldenThroughMount reads the reference vaults through a mount.
func TestGoldenThroughMount(t *testing.T) {
	want := fstest.ReadGolden(t, "plaintext-manifest.txt")
	for name, alg := range map[string]crypto.Algorithm{"aesgcm": crypto.AESGCM, "xchacha": crypto.XChaCha20Poly1305} {
		t.Run(name, func(t *testing.T) {
			dir := fstest.ExtractVault(t, name)
			key, err := crypto.ParseMasterKey(fstest.MasterKey(t, name))
			if err != nil {
				t.Fatal(err)
			}
			fsys, err := fs.New(dir, key, fs.Options{Algorithm: alg, Raw64: true, DirIV: true, ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			mnt := mountFS(t, fsys, mount.Options{ReadOnly: true})
			got, err := fstest.Manifest(fstest.DirTree(mnt))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("manifest through mount:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestReadaheadRaised checks that a mount asks the kernel for a read-ahead
// window as large as one request.
func TestReadaheadRaised(t *testing.T) {
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{})
	var st unix.Stat_t
	if err := unix.Stat(mnt, &st); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fmt.Sprintf("/sys/class/bdi/%d:%d/read_ahead_kb", unix.Major(st.Dev), unix.Minor(st.Dev)))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != fmt.Sprint(mount.ReadaheadKB) {
		t.Fatalf("read_ahead_kb = %s, want %d", got, mount.ReadaheadKB)
	}
}

// TestOpenSymlinkRaceLongCache runs posixtest's OpenSymlinkRace ten times
// with the watched 30 s caches: an open racing renames of the name must
// never see ESTALE (renames.go; before, about one run in three did).
func TestOpenSymlinkRaceLongCache(t *testing.T) {
	// A fresh mount each time: the race leaves a symlink to /etc/passwd
	// under the name, which a second run would open for writing.
	for i := 0; i < 10 && !t.Failed(); i++ {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			_, fsys := newVault(t, crypto.AESGCM)
			posixtest.OpenSymlinkRace(t, mountFS(t, fsys, mount.Options{CacheTimeout: 30 * time.Second}))
		})
	}
}
