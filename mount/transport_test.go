package mount_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/internal/daemon"
	"github.com/cofferfs/cofferfs/mount"
	"github.com/cofferfs/cofferfs/mount/uring"
)

// setURingParam sets the fuse module's enable_uring parameter to v
// ("Y" or "N") and restores the old value when the test ends. It fails
// under CI=true and skips otherwise when the kernel has no parameter.
func setURingParam(t *testing.T, v string) {
	t.Helper()
	canMount(t)
	old, err := os.ReadFile(uring.EnableParam)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kernel without FUSE over io_uring (CI=true): %v", err)
		}
		t.Skipf("kernel without FUSE over io_uring: %v", err)
	}
	if err := os.WriteFile(uring.EnableParam, []byte(v), 0); err != nil {
		t.Fatalf("set %s: %v", uring.EnableParam, err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(uring.EnableParam, bytes.TrimSpace(old), 0); err != nil {
			t.Errorf("restore %s: %v", uring.EnableParam, err)
		}
	})
}

// needURing enables the parameter and fails (CI=true) or skips when the
// io_uring transport still cannot be used here (seccomp, sysctl).
func needURing(t *testing.T) {
	t.Helper()
	setURingParam(t, "Y")
	if err := uring.Probe(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("io_uring transport unusable (CI=true): %v", err)
		}
		t.Skipf("io_uring transport unusable: %v", err)
	}
}

// With the parameter off, --transport uring fails at once with an error
// that names the switch, and leaves nothing mounted.
func TestTransportURingUnavailable(t *testing.T) {
	setURingParam(t, "N")
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := t.TempDir()
	srv, err := mount.Mount(fsys, mnt, mount.Options{Transport: mount.TransportURing})
	if err == nil {
		srv.Unmount()
		t.Fatal("mount with transport uring succeeded with enable_uring=N")
	}
	if !errors.Is(err, uring.ErrUnavailable) || !strings.Contains(err.Error(), "enable_uring") {
		t.Errorf("error %q does not say that enable_uring is off", err)
	}
	if daemon.IsMounted(mnt) {
		t.Errorf("%s left mounted after the failed mount", mnt)
	}
}

// auto falls back to /dev/fuse with one log line saying why.
func TestTransportAutoFallsBack(t *testing.T) {
	setURingParam(t, "N")
	_, fsys := newVault(t, crypto.AESGCM)
	rec := fstest.NewLogRecorder(t)
	mnt := mountFS(t, fsys, mount.Options{Transport: mount.TransportAuto, Logger: slog.New(rec)})
	if err := os.WriteFile(filepath.Join(mnt, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if l := rec.Lines("/dev/fuse", "enable_uring"); len(l) != 1 {
		t.Errorf("fallback logged %d lines naming /dev/fuse and enable_uring, want 1: %q", len(l), rec.Lines())
	}
}

// auto picks io_uring when the kernel offers it, and the requests then
// really go through the ring.
func TestTransportAutoUsesURing(t *testing.T) {
	needURing(t)
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := t.TempDir()
	srv, err := mount.Mount(fsys, mnt, mount.Options{Transport: mount.TransportAuto})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Wait()
	defer srv.Unmount()
	if srv.Transport() != mount.TransportURing {
		t.Fatalf("auto chose %s with enable_uring=Y", srv.Transport())
	}
	before := srv.RingRequests()
	if _, err := os.ReadDir(mnt); err != nil {
		t.Fatal(err)
	}
	if srv.RingRequests() == before {
		t.Error("a directory listing did not go through the io_uring queues")
	}
}

// Many goroutines mix metadata and data operations through the ring;
// every file reads back what was written.
func TestTransportURingStress(t *testing.T) {
	needURing(t)
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := t.TempDir()
	srv, err := mount.Mount(fsys, mnt, mount.Options{Transport: mount.TransportURing})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Unmount(); err != nil {
			t.Error(err)
		}
		srv.Wait()
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := stressWorker(mnt, g); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if srv.RingRequests() == 0 {
		t.Error("no request went through the io_uring queues")
	}
}

// stressWorker creates, writes (up to 2 MiB), renames, lists, reads back
// and removes files in its own directory.
func stressWorker(mnt string, g int) error {
	dir := filepath.Join(mnt, fmt.Sprintf("w%d", g))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	for i := 0; i < 40; i++ {
		data := make([]byte, (i*37%9)*256<<10+i)
		rand.Read(data)
		p := filepath.Join(dir, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		q := p + ".renamed"
		if err := os.Rename(p, q); err != nil {
			return err
		}
		if _, err := os.ReadDir(dir); err != nil {
			return err
		}
		got, err := os.ReadFile(q)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, data) {
			return fmt.Errorf("%s: read %d bytes back, differ from the %d written", q, len(got), len(data))
		}
		if i%2 == 0 {
			if err := os.Remove(q); err != nil {
				return err
			}
		}
	}
	return os.RemoveAll(dir)
}

// A registration the kernel refuses (a payload buffer smaller than
// max_write) must not hang the mount: uring fails with the kernel's
// error and leaves nothing mounted; auto aborts that connection and
// mounts again over /dev/fuse, which then works.
func TestTransportFailedRegistration(t *testing.T) {
	needURing(t)
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := t.TempDir()
	srv, err := mount.Mount(fsys, mnt, mount.WithRingPayload(mount.Options{Transport: mount.TransportURing}, 4096))
	if err == nil {
		srv.Unmount()
		t.Fatal("mount with a refused registration succeeded")
	}
	if !strings.Contains(err.Error(), "register") {
		t.Errorf("error %q does not name the registration", err)
	}
	if daemon.IsMounted(mnt) {
		t.Fatalf("%s left mounted after the failed registration", mnt)
	}
	rec := fstest.NewLogRecorder(t)
	opts := mount.WithRingPayload(mount.Options{Transport: mount.TransportAuto, Logger: slog.New(rec)}, 4096)
	mnt = mountFS(t, fsys, opts)
	if err := os.WriteFile(filepath.Join(mnt, "f"), []byte("after fallback"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "f")); err != nil || string(b) != "after fallback" {
		t.Fatalf("read back %q, %v", b, err)
	}
	if l := rec.Lines("/dev/fuse", "register"); len(l) != 1 {
		t.Errorf("fallback logged %d lines naming /dev/fuse and the registration, want 1: %q", len(l), rec.Lines())
	}
}
