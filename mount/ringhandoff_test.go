package mount_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/internal/daemon"
	"github.com/cofferfs/cofferfs/mount"
)

// Large READs and fsyncs are answered on goroutines of their own and
// committed by the queue thread: parallel sequential reads come back
// intact, a corrupt block still reads as EIO (and only its request),
// and the counters show that the hand-off path was taken.
func TestTransportURingHandOff(t *testing.T) {
	needURing(t)
	dir, fsys := newVault(t, crypto.AESGCM)
	data := make([]byte, 6<<20+12345)
	rand.Read(data)
	mnt := t.TempDir()
	srv := mountWith(t, fsys, mnt, mount.Options{Transport: mount.TransportURing})
	f, err := os.Create(filepath.Join(mnt, "big"))
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		before := mount.RingHandedOff(srv)
		err = f.Sync()
		if mount.RingHandedOff(srv) == before {
			t.Error("fsync was not handed off")
		}
	}
	if err == nil {
		err = f.Close()
	}
	unmountOrFail(t, srv)
	if err != nil {
		t.Fatal(err)
	}

	// A new connection has no cached pages: every read reaches the ring.
	srv = mountWith(t, fsys, mnt, mount.Options{Transport: mount.TransportURing})
	defer unmountOrFail(t, srv)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := os.ReadFile(filepath.Join(mnt, "big"))
			if err == nil && !bytes.Equal(got, data) {
				err = errors.New("read back different bytes")
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if mount.RingHandedOff(srv) == 0 {
		t.Error("no large READ was handed off")
	}

	unmountOrFail(t, srv)
	corruptBlock(t, dir, 3)
	srv = mountWith(t, fsys, mnt, mount.Options{Transport: mount.TransportURing})
	defer unmountOrFail(t, srv)
	f, err = os.Open(filepath.Join(mnt, "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	if _, err := f.ReadAt(buf, 0); !errors.Is(err, syscall.EIO) {
		t.Errorf("read over the corrupt block: %v, want EIO", err)
	}
	if n, err := f.ReadAt(buf, 4<<20); err != nil || !bytes.Equal(buf[:n], data[4<<20:4<<20+n]) {
		t.Errorf("read after the corrupt block: %d bytes, %v", n, err)
	}
}

// unmountOrFail unmounts srv (retrying while the kernel still counts
// closed files) and waits for its loops; it may run twice.
func unmountOrFail(t *testing.T, srv *mount.Server) {
	t.Helper()
	if !daemon.IsMounted(srv.Mountpoint()) {
		return
	}
	var err error
	for i := 0; i < 50; i++ {
		if err = srv.Unmount(); err == nil {
			srv.Wait()
			return
		}
	}
	t.Fatalf("unmount: %v", err)
}

// corruptBlock flips a byte in content block n of the largest file in
// the cipherdir dir.
func corruptBlock(t *testing.T, dir string, n int) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var big string
	var size int64
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && fi.Size() > size {
			big, size = filepath.Join(dir, e.Name()), fi.Size()
		}
	}
	f, err := os.OpenFile(big, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	off := int64(18 + n*(16+4096+16) + 100) // file header, then nonce, data, tag per block
	b := []byte{0}
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x55
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}
