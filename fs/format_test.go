package fs_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
)

// Backing layout written by fs, checked against the numbers and rules
// of the spec (§4, §5) without the gocryptfs binary.

// TestCipherSizes checks the backing sizes of docs/format.md §4.6.
func TestCipherSizes(t *testing.T) {
	want := map[string][]int64{ // plaintext 0, 1, 4095, 4096, 4097, 5000, 100000
		"aesgcm":  {0, 51, 4145, 4146, 4179, 5082, 100818},
		"xchacha": {0, 59, 4153, 4154, 4195, 5098, 101018},
	}
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		for i, n := range []int{0, 1, 4095, 4096, 4097, 5000, 100000} {
			writeFile(t, v.FS, "f", randBytes(int64(n), n))
			fi, err := os.Stat(v.backing(t, "f"))
			must(t, err)
			if fi.Size() != want[vr.name][i] {
				t.Errorf("%d plaintext bytes: backing size %d, want %d", n, fi.Size(), want[vr.name][i])
			}
		}
	})
}

func backingBytes(t *testing.T, v *vault, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(v.backing(t, path))
	must(t, err)
	return b
}

// TestHeaderAndHoles checks the header, the new file ID after a
// truncate to zero, padding before a write past EOF, holes, and the
// growing-truncate rules of docs/format.md §4.4.
func TestHeaderAndHoles(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		c := v.Content()
		cbs := c.CipherBlockSize()
		f, err := v.Create("f", unix.O_RDWR, 0o644, nil)
		must(t, err)
		defer f.Close()
		_, err = f.WriteAt([]byte("abc"), 0)
		must(t, err)
		b := backingBytes(t, v, "f")
		if b[0] != 0 || b[1] != 2 || bytes.Equal(b[2:18], make([]byte, 16)) {
			t.Fatalf("header %x", b[:18])
		}
		id := bytes.Clone(b[2:18])
		must(t, f.Truncate(0))
		if len(backingBytes(t, v, "f")) != 0 {
			t.Fatal("Truncate(0) left a header")
		}
		_, err = f.WriteAt([]byte("abc"), 0)
		must(t, err)
		if bytes.Equal(backingBytes(t, v, "f")[2:18], id) {
			t.Error("a write after Truncate(0) kept the old file ID")
		}

		// A write two blocks past the end pads block 0 to a full block
		// and leaves block 1 a hole.
		_, err = f.WriteAt([]byte("x"), 2*bs+5)
		must(t, err)
		b = backingBytes(t, v, "f")
		if len(b) != int(c.CipherSize(2*bs+6)) {
			t.Fatalf("backing size %d", len(b))
		}
		if !bytes.Equal(b[c.BlockOffset(1):c.BlockOffset(2)], make([]byte, cbs)) {
			t.Error("block 1 is not a hole")
		}
		if bytes.Equal(b[c.BlockOffset(0):c.BlockOffset(0)+16], make([]byte, 16)) {
			t.Error("block 0 was not re-sealed as a full block")
		}
		if got := readFile(t, v.FS, "f"); !bytes.Equal(got, append(append([]byte("abc"), make([]byte, 2*bs+2)...), 'x')) {
			t.Error("content after the write past EOF differs")
		}

		// Growing truncates: within the last block, to a block multiple
		// (holes at the end), to a non-multiple (sealed last block).
		for _, tc := range []struct {
			size     int
			tailHole bool
		}{{2*bs + 100, false}, {5 * bs, true}, {7*bs + 1, false}} {
			must(t, f.Truncate(uint64(tc.size)))
			b = backingBytes(t, v, "f")
			if len(b) != int(c.CipherSize(uint64(tc.size))) {
				t.Fatalf("grow to %d: backing size %d", tc.size, len(b))
			}
			last := b[c.BlockOffset(uint64(tc.size-1)/bs):]
			if isHole := bytes.Equal(last, make([]byte, len(last))); isHole != tc.tailHole {
				t.Errorf("grow to %d: last block is a hole: %v, want %v", tc.size, isHole, tc.tailHole)
			}
		}
		// An empty file grown to a block multiple is a header and holes.
		g, err := v.Create("g", unix.O_RDWR, 0o644, nil)
		must(t, err)
		defer g.Close()
		must(t, g.Truncate(3*bs))
		b = backingBytes(t, v, "g")
		if len(b) != int(c.CipherSize(3*bs)) || b[1] != 2 || !bytes.Equal(b[18:], make([]byte, len(b)-18)) {
			t.Errorf("empty file grown to 3 blocks: %d bytes", len(b))
		}
		if got := readFile(t, v.FS, "g"); !bytes.Equal(got, make([]byte, 3*bs)) {
			t.Error("grown file does not read as zeros")
		}
	})
}

// TestSparseWrite checks that a write far past EOF leaves the gap as a
// hole in the backing file instead of allocating it.
func TestSparseWrite(t *testing.T) {
	v := newVault(t, variants[0].opts)
	f, err := v.Create("f", unix.O_RDWR, 0o644, nil)
	must(t, err)
	defer f.Close()
	_, err = f.WriteAt([]byte("start"), 0)
	must(t, err)
	_, err = f.WriteAt([]byte("end"), 1<<30)
	must(t, err)
	var st unix.Stat_t
	must(t, unix.Stat(v.backing(t, "f"), &st))
	if st.Size != int64(v.Content().CipherSize(1<<30+3)) {
		t.Fatalf("backing size %d", st.Size)
	}
	if st.Blocks*512 > 1<<20 {
		t.Errorf("a write at 1 GiB allocated %d bytes; the gap must stay a hole", st.Blocks*512)
	}
	buf := make([]byte, 8)
	_, err = f.ReadAt(buf, 1<<29)
	must(t, err)
	if !bytes.Equal(buf, make([]byte, 8)) {
		t.Errorf("hole reads %x", buf)
	}
	_, err = f.ReadAt(buf[:3], 1<<30)
	must(t, err)
	if string(buf[:3]) != "end" {
		t.Errorf("read %q", buf[:3])
	}
}

// TestNameLayout checks diriv files, the long-name threshold and .name
// file contents (docs/format.md §5).
func TestNameLayout(t *testing.T) {
	forEachVariant(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		threshold := vr.opts.LongNameMax
		if threshold == 0 {
			threshold = crypto.DefaultLongNameMax
		}
		for _, n := range []int{1, 15, 16, 40, 41, 175, 176, 255} {
			name := strings.Repeat("n", n)
			writeFile(t, v.FS, name, nil)
			disk := filepath.Base(v.backing(t, name))
			cipherLen := (n/16 + 1) * 16 * 4 / 3 // Raw64 length of the padded name
			if (n/16+1)*16*4%3 != 0 {
				cipherLen++
			}
			if long := crypto.IsLongName(disk); long != (cipherLen > threshold) {
				t.Errorf("%d-byte name: stored as %q (long %v), encrypted length %d, threshold %d", n, disk, long, cipherLen, threshold)
			}
			if !crypto.IsLongName(disk) {
				if len(disk) != cipherLen {
					t.Errorf("%d-byte name: encrypted length %d, want %d", n, len(disk), cipherLen)
				}
				continue
			}
			content, err := os.ReadFile(v.backing(t, name) + crypto.LongNameSuffix)
			must(t, err)
			if len(content) != cipherLen || bytes.ContainsAny(content, "\n=") || len(disk) != 62 {
				t.Errorf("%d-byte name: .name holds %d bytes %q, hashed name %q", n, len(content), content, disk)
			}
			if back, err := v.PlainPath(string(content)); err != nil || back != name {
				t.Errorf("the .name content does not decrypt to the name: %v", err)
			}
		}
		// Same plaintext name in two directories: different ciphertext
		// with DirIV, the same without.
		must(t, v.Mkdir("d", 0o755, nil))
		writeFile(t, v.FS, "d/n", nil)
		same := filepath.Base(v.backing(t, "n")) == filepath.Base(v.backing(t, "d/n"))
		if same == vr.opts.DirIV {
			t.Errorf("DirIV %v: same ciphertext name in two directories: %v", vr.opts.DirIV, same)
		}
		checkBackingClean(t, v)
	})
}

// TestSeekHoles checks that SEEK_HOLE and SEEK_DATA find a hole of many
// blocks between data blocks (at most one block of it may be reported
// as data, where its ciphertext shares a file-system block with data).
func TestSeekHoles(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		f, err := v.Create("f", unix.O_RDWR, 0o644, nil)
		must(t, err)
		defer f.Close()
		_, err = f.WriteAt([]byte("a"), 0)
		must(t, err)
		_, err = f.WriteAt([]byte("b"), 100*bs)
		must(t, err)
		must(t, f.Truncate(200*bs))
		if h, err := f.Seek(0, unix.SEEK_HOLE); err != nil || h < bs || h > 2*bs {
			t.Errorf("SEEK_HOLE from 0: %d, %v; want the hole after block 0", h, err)
		}
		if d, err := f.Seek(2*bs, unix.SEEK_DATA); err != nil || d < 99*bs || d > 100*bs {
			t.Errorf("SEEK_DATA from block 2: %d, %v; want block 100", d, err)
		}
		if h, err := f.Seek(100*bs, unix.SEEK_HOLE); err != nil || h < 101*bs || h > 102*bs {
			t.Errorf("SEEK_HOLE from block 100: %d, %v", h, err)
		}
		if d, err := f.Seek(102*bs, unix.SEEK_DATA); !errors.Is(err, unix.ENXIO) {
			t.Errorf("SEEK_DATA in the trailing hole: %d, %v; want ENXIO", d, err)
		}
		if _, err := f.Seek(200*bs, unix.SEEK_HOLE); !errors.Is(err, unix.ENXIO) {
			t.Errorf("SEEK_HOLE at EOF: %v; want ENXIO", err)
		}
	})
}
