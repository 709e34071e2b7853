package fs_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/fs"
)

// smallDisk mounts a 2 MiB tmpfs and returns its path; it is unmounted
// when the test ends (after the vault's descriptors are closed, because
// cleanups run last-in first-out).
func smallDisk(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	must(t, os.Mkdir(dir, 0o755))
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=2m,mode=0755"); err != nil {
		skipOrFail(t, "mount tmpfs: %v (needs root)", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fileModel is a plaintext file and its expected content.
type fileModel struct {
	t    *testing.T
	f    *fs.File
	path string
	data []byte
}

// write writes p at off and updates the model if it succeeded.
func (m *fileModel) write(p []byte, off int) error {
	n, err := m.f.WriteAt(p, int64(off))
	if err != nil {
		if n != 0 {
			m.t.Fatalf("failed WriteAt(%q, len %d, off %d) reports %d bytes written", m.path, len(p), off, n)
		}
		return err
	}
	if end := off + len(p); end > len(m.data) {
		m.data = append(m.data, make([]byte, end-len(m.data))...)
	}
	copy(m.data[off:], p)
	return nil
}

// check compares the file, read through vault v, with the model, and the
// backing size with the exact ciphertext size.
func (m *fileModel) check(v *vault, f *fs.FS, what string) {
	m.t.Helper()
	got, err := tryReadFile(f, m.path)
	if err != nil {
		m.t.Fatalf("%s: read %q: %v", what, m.path, err)
	}
	if !bytes.Equal(got, m.data) {
		m.t.Fatalf("%s: %q differs from model (len %d, want %d)", what, m.path, len(got), len(m.data))
	}
	var st unix.Stat_t
	must(m.t, unix.Stat(v.backing(m.t, m.path), &st))
	if want := v.Content().CipherSize(uint64(len(m.data))); uint64(st.Size) != want {
		m.t.Fatalf("%s: backing size of %q is %d, want %d", what, m.path, st.Size, want)
	}
}

func wantENOSPC(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded on a full disk", what)
	}
	if !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("%s: error %v does not wrap ENOSPC", what, err)
	}
}

func TestFullDisk(t *testing.T) {
	forEachVariant(t, func(t *testing.T, vr variant) {
		v := newVaultIn(t, smallDisk(t), vr.opts)
		r := rand.New(rand.NewSource(7))
		rnd := func(n int) []byte { b := make([]byte, n); r.Read(b); return b }
		open := func(path string) *fileModel {
			f, err := v.Create(path, unix.O_RDWR, 0o644, nil)
			must(t, err)
			t.Cleanup(func() { f.Close() })
			return &fileModel{t: t, f: f, path: path}
		}

		// f ends in a partial block; fill takes the rest of the disk.
		f := open("f")
		must(t, f.write(rnd(10000), 0))
		fill := open("fill")
		var err error
		for err == nil {
			err = fill.write(rnd(1000+r.Intn(20000)), len(fill.data))
		}
		wantENOSPC(t, err, "appending until the disk is full")
		fill.check(v, v.FS, "fill after ENOSPC")

		// Free a few pages: enough to pad f's last block, not enough
		// for the write. The failed write must leave f as it was.
		must(t, fill.f.Truncate(uint64(len(fill.data)-16<<10)))
		fill.data = fill.data[:len(fill.data)-16<<10]
		wantENOSPC(t, f.write(rnd(256<<10), 3*4096+100), "write past EOF that pads the last block")
		f.check(v, v.FS, "f after a failed padding write")

		// A write far past the end needs only the blocks it fills.
		must(t, f.write([]byte("far"), 4<<20)) // twice the disk size
		f.check(v, v.FS, "f after a sparse write at 4 MiB")

		// Random writes and appends until the disk is full again.
		for i := 0; ; i++ {
			off := len(f.data) - r.Intn(8192)
			if i%3 == 0 {
				off = len(f.data) + r.Intn(3*4096)
			}
			if err = f.write(rnd(r.Intn(3*4096)+1), off); err != nil {
				break
			}
		}
		wantENOSPC(t, err, "random writes until the disk is full")
		f.check(v, v.FS, "f after ENOSPC")

		// New files until a header does not fit.
		var g *fileModel
		files := 2
		for err = nil; err == nil && files < 1000; files++ {
			g = open(fmt.Sprint("g", files))
			err = g.write([]byte("x"), 0)
		}
		wantENOSPC(t, err, "first write of a new file")
		g.check(v, v.FS, "new file after ENOSPC")

		// A new directory's diriv and a long name's .name file do not fit;
		// nothing is left behind.
		if vr.opts.DirIV {
			wantENOSPC(t, v.Mkdir("d", 0o755, nil), "Mkdir")
		}
		_, err = v.Create(strings.Repeat("L", 200), unix.O_RDWR, 0o644, nil)
		wantENOSPC(t, err, "Create with a long name")
		for _, n := range diskNames(t, v.dir) {
			if strings.HasPrefix(n, "gocryptfs.mkdir.") || strings.Contains(n, ".tmp") || strings.HasPrefix(n, "gocryptfs.longname.") {
				t.Errorf("left behind after ENOSPC: %s", n)
			}
		}
		if got := names(t, v.FS, ""); len(got) != files {
			t.Errorf("listing after ENOSPC has %d names, want %d", len(got), files)
		}

		// Freeing space makes writes work again.
		must(t, fill.f.Close())
		must(t, v.Unlink("fill"))
		must(t, g.write([]byte("now it fits"), 0))
		must(t, f.write(rnd(50000), 100))
		checkBackingClean(t, v)
		for _, m := range []*fileModel{f, g} {
			m.check(v, v.FS, "after freeing space")
			m.check(v, v.open(t), "through a fresh FS")
		}
	})
}
