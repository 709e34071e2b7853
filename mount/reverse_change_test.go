package mount_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/reverse"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// TestReverseChangingFile: while a plain file is rewritten in place
// (same size, another version each time), reads of its view through the
// mount either fail with EIO or give a ciphertext whose every block
// authenticates and decrypts to one whole version: never a mix of two,
// never a block that does not authenticate. Reads open the file anew
// each time, so the kernel's page cache across opens is covered too.
func TestReverseChangingFile(t *testing.T) {
	canMount(t)
	plain := t.TempDir()
	const blocks = 16
	version := func(k int) []byte { return bytes.Repeat([]byte{byte(k)}, blocks*crypto.BlockSize) }
	p := filepath.Join(plain, "changing")
	must(t, os.WriteFile(p, version(0), 0o644))
	key := make([]byte, 32)
	v, err := reverse.New(plain, key, reverse.Options{Raw64: true, DirIV: true})
	must(t, err)
	defer v.Close()
	mnt := t.TempDir()
	srv, err := mount.MountReverse(v, mnt, mount.Options{FsName: plain, Transport: testTransport()})
	must(t, err)
	defer func() {
		for srv.Unmount() != nil {
		}
		srv.Wait()
	}()
	ents, err := os.ReadDir(mnt)
	must(t, err)
	var name string
	for _, e := range ents {
		if e.Type().IsRegular() && e.Name() != crypto.DirIVName {
			name = e.Name()
		}
	}
	keys := crypto.DeriveKeys(key, crypto.AESSIV)
	content, err := crypto.NewContentCipher(crypto.AESSIV, keys.Content)
	must(t, err)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the writer: versions 1, 2, ... in place
		defer wg.Done()
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		for k := 1; ; k++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := f.WriteAt(version(k), 0); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var good, failed int
	for i := 0; i < 400 && !t.Failed(); i++ {
		b, err := os.ReadFile(filepath.Join(mnt, name))
		if errors.Is(err, unix.EIO) {
			failed++
			continue
		}
		must(t, err)
		checkOneVersion(t, content, b, blocks)
		good++
	}
	close(stop)
	wg.Wait()
	t.Logf("%d reads gave one whole version, %d failed with EIO", good, failed)
	if failed == 0 {
		t.Error("no read saw the file change: the test did not exercise anything")
	}
}

// checkOneVersion fails unless the view bytes b of a blocks-block file
// authenticate block by block and decrypt to blocks of one byte value.
func checkOneVersion(t *testing.T, c *crypto.ContentCipher, b []byte, blocks int) {
	t.Helper()
	cbs := c.CipherBlockSize()
	if len(b) != crypto.HeaderSize+blocks*cbs {
		t.Fatalf("read %d bytes, want %d", len(b), crypto.HeaderSize+blocks*cbs)
	}
	fileID := b[2:crypto.HeaderSize]
	var want byte
	for i := range blocks {
		blk := b[crypto.HeaderSize+i*cbs : crypto.HeaderSize+(i+1)*cbs]
		pt, err := c.OpenBlock(nil, blk, uint64(i), fileID)
		if err != nil {
			t.Fatalf("block %d of a successful read does not authenticate: %v", i, err)
		}
		if i == 0 {
			want = pt[0]
		}
		if !bytes.Equal(pt, bytes.Repeat([]byte{want}, len(pt))) {
			t.Fatalf("a successful read mixes versions: block %d is not all %d", i, want)
		}
	}
}
