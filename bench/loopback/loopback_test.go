package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"golang.org/x/sys/unix"
)

func TestHandleHasNoPassthroughFd(t *testing.T) {
	var fh fusefs.FileHandle = &handle{}
	if _, ok := fh.(fusefs.FilePassthroughFder); ok {
		t.Fatal("handle implements FilePassthroughFder: go-fuse would enable kernel passthrough")
	}
	fh = &passthroughHandle{&handle{}}
	if _, ok := fh.(fusefs.FilePassthroughFder); !ok {
		t.Fatal("passthroughHandle lost PassthroughFd")
	}
}

func canMount(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil || os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tests need root and /dev/fuse (CI=true): euid %d, %v", os.Geteuid(), err)
		}
		t.Skip("mount tests need root and /dev/fuse")
	}
}

// testTransport is the transport the mount tests use: dev, or what
// COFFERFS_TEST_TRANSPORT says (CI's second pass sets uring), as in the
// mount package's tests.
func testTransport() string {
	if t := os.Getenv("COFFERFS_TEST_TRANSPORT"); t != "" {
		return t
	}
	return "dev"
}

// readThrough mounts a loopback, writes and reads back a file through it
// after dropping its page cache, and returns the bytes the daemon served
// for reads.
func readThrough(t *testing.T, passthrough bool) int64 {
	canMount(t)
	backing, mnt := t.TempDir(), t.TempDir()
	srv, err := serve(backing, mnt, false, passthrough, testTransport())
	if err != nil {
		t.Fatal(err)
	}
	if want := testTransport(); srv.Transport() != want {
		t.Fatalf("loopback served over %s, want %s", srv.Transport(), want)
	}
	t.Cleanup(func() {
		if err := srv.Unmount(); err != nil {
			t.Error(err)
		}
	})
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	p := filepath.Join(mnt, "f")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(backing, "f")); !bytes.Equal(b, data) {
		t.Fatal("backing file differs from what was written")
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	before := stats.readBytes.Load()
	got := make([]byte, len(data))
	if _, err := f.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("read back differs")
	}
	return stats.readBytes.Load() - before
}

func TestReadsGoThroughDaemon(t *testing.T) {
	if n := readThrough(t, false); n < 1<<20 {
		t.Fatalf("daemon served %d bytes of a 1 MiB read: passthrough is on?", n)
	}
}

// TestPassthroughControl shows the counter would notice passthrough: with
// -passthrough, on a kernel that supports it, the daemon serves no reads.
func TestPassthroughControl(t *testing.T) {
	n := readThrough(t, true)
	if n > 0 {
		t.Skipf("daemon served %d bytes with -passthrough: this kernel has no FUSE passthrough", n)
	}
	t.Logf("with -passthrough the kernel read the backing file itself (daemon served 0 bytes)")
}
