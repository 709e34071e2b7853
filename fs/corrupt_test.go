package fs_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
)

// Damaged ciphertext: every read of a damaged part fails with an error
// for which fs.IsCorrupt is true, everything else still reads, and
// nothing panics or hangs.

// readBlocks reads path block by block through a fresh handle and
// returns the content of each block, or the error reading it gave.
func readBlocks(t *testing.T, v *vault, path string) ([][]byte, []error) {
	t.Helper()
	f, err := v.Open(path, unix.O_RDONLY)
	must(t, err)
	defer f.Close()
	st, err := f.Stat()
	must(t, err)
	var blocks [][]byte
	var errs []error
	for off := int64(0); off < st.Size; off += bs {
		buf := make([]byte, min(bs, st.Size-off))
		n, err := f.ReadAt(buf, off)
		if err == io.EOF && n == len(buf) {
			err = nil
		}
		blocks, errs = append(blocks, buf[:n]), append(errs, err)
	}
	return blocks, errs
}

func wantCorrupt(t *testing.T, err error, want error, what string) {
	t.Helper()
	if !fs.IsCorrupt(err) || !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want a corruption error wrapping %v", what, err, want)
	}
}

func TestCorruptBlocks(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		data := randBytes(1, 3*bs+1000)
		writeFile(t, v.FS, "f", data)
		back := v.backing(t, "f")
		orig, err := os.ReadFile(back)
		must(t, err)
		c := v.Content()
		blockOf := func(pos int) int { // -1 for the header
			if pos < crypto.HeaderSize {
				return -1
			}
			return (pos - crypto.HeaderSize) / c.CipherBlockSize()
		}
		iters := 300
		if testing.Short() {
			iters = 50
		}
		r := rand.New(rand.NewSource(3))
		for i := 0; i < iters; i++ {
			damaged := bytes.Clone(orig)
			pos := r.Intn(len(damaged))
			damaged[pos] ^= byte(1 + r.Intn(255))
			must(t, os.WriteFile(back, damaged, 0o644))
			blocks, errs := readBlocks(t, v, "f")
			for b := range blocks {
				if hit := blockOf(pos); hit == -1 || hit == b {
					want := crypto.ErrAuth
					if hit == -1 {
						want = crypto.ErrBadHeader
						if pos >= 2 { // a flipped file ID only fails authentication
							want = crypto.ErrAuth
						}
					}
					wantCorrupt(t, errs[b], want, "read of a block with a flipped byte")
					var ce *fs.CorruptError
					if errors.As(errs[b], &ce) && ce.Path != "f" {
						t.Fatalf("CorruptError names path %q", ce.Path)
					}
				} else if errs[b] != nil || !bytes.Equal(blocks[b], data[b*bs:min(len(data), (b+1)*bs)]) {
					t.Fatalf("flip at %d (block %d) broke block %d: %v", pos, blockOf(pos), b, errs[b])
				}
			}
		}

		// Writing: a partial write into the damaged block fails, a full
		// overwrite of it repairs it, other blocks stay writable.
		damaged := bytes.Clone(orig)
		damaged[c.BlockOffset(1)+100] ^= 1
		must(t, os.WriteFile(back, damaged, 0o644))
		f, err := v.Open("f", unix.O_RDWR)
		must(t, err)
		defer f.Close()
		_, err = f.WriteAt([]byte("x"), bs+5)
		wantCorrupt(t, err, crypto.ErrAuth, "partial write into a damaged block")
		_, err = f.WriteAt([]byte("y"), 5)
		must(t, err)
		_, err = f.WriteAt(data[bs:2*bs], bs)
		must(t, err)
		data[5] = 'y'
		if got := readFile(t, v.FS, "f"); !bytes.Equal(got, data) {
			t.Error("content after repairing the damaged block differs")
		}
		wantCorrupt(t, shrinkInto(t, v, damaged, back), crypto.ErrAuth, "shrink into a damaged block")
	})
}

// shrinkInto writes damaged to the backing file and shrinks the file to
// the middle of block 1 (which must be read to re-seal it).
func shrinkInto(t *testing.T, v *vault, damaged []byte, back string) error {
	must(t, os.WriteFile(back, damaged, 0o644))
	f, err := v.Open("f", unix.O_RDWR)
	must(t, err)
	defer f.Close()
	return f.Truncate(bs + 10)
}

// TestTruncatedBacking cuts the backing file at every interesting length.
func TestTruncatedBacking(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		data := randBytes(2, 3*bs+1000)
		writeFile(t, v.FS, "f", data)
		back := v.backing(t, "f")
		orig, err := os.ReadFile(back)
		must(t, err)
		c := v.Content()
		cbs, o := c.CipherBlockSize(), c.Overhead()
		cuts := []int{0, 1, 17, 18, 19, 18 + o, 18 + o + 1, 18 + cbs - 1, 18 + cbs, 18 + cbs + 1,
			18 + cbs + o, 18 + cbs + o + 1, 18 + 2*cbs + 100, 18 + 3*cbs, len(orig) - 1}
		for _, cut := range cuts {
			must(t, os.WriteFile(back, orig[:cut], 0o644))
			st, err := v.Stat("f")
			must(t, err)
			if want := int64(c.PlainSize(uint64(cut))); st.Size != want {
				t.Fatalf("cut at %d: size %d, want %d", cut, st.Size, want)
			}
			if cut > 0 && cut < crypto.HeaderSize {
				// A stub shorter than the header: not fully synced yet.
				_, err := v.Open("f", unix.O_RDONLY)
				if !fs.IsIncomplete(err) || !fs.IsCorrupt(err) {
					t.Fatalf("cut at %d: Open %v, want an incomplete-file error", cut, err)
				}
				continue
			}
			blocks, errs := readBlocks(t, v, "f")
			for b := range blocks {
				end := crypto.HeaderSize + (b+1)*cbs
				if b == 3 {
					end = len(orig)
				}
				if cut >= end {
					if errs[b] != nil || !bytes.Equal(blocks[b], data[b*bs:min(len(data), (b+1)*bs)]) {
						t.Fatalf("cut at %d broke whole block %d: %v", cut, b, errs[b])
					}
				} else {
					wantCorrupt(t, errs[b], crypto.ErrAuth, "read of a cut block")
				}
			}
		}

		// Stubs of 1..17 bytes are files not fully synced yet: reads fail
		// with ErrIncomplete. A header-only file (18 bytes) is empty. A
		// write gives either a new header, Truncate(0) makes them clean
		// empty files.
		for _, cut := range []int{1, 17, 18} {
			must(t, os.WriteFile(back, orig[:cut], 0o644))
			f, err := v.Open("f", unix.O_RDWR)
			must(t, err)
			n, err := f.ReadAt(make([]byte, 10), 0)
			if cut < crypto.HeaderSize && (n != 0 || !errors.Is(err, fs.ErrIncomplete)) {
				t.Errorf("stub of %d bytes: ReadAt %d, %v, want ErrIncomplete", cut, n, err)
			}
			if cut == crypto.HeaderSize && (n != 0 || err != io.EOF) {
				t.Errorf("header-only file: ReadAt %d, %v", n, err)
			}
			_, err = f.WriteAt([]byte("fresh"), 2)
			must(t, err)
			must(t, f.Close())
			if got := readFile(t, v.FS, "f"); string(got) != "\x00\x00fresh" {
				t.Errorf("write to a stub of %d bytes: %q", cut, got)
			}
			if b, _ := os.ReadFile(back); bytes.Equal(b[2:18], orig[2:18]) {
				t.Errorf("write to a stub of %d bytes kept the old file ID", cut)
			}
			must(t, os.WriteFile(back, orig[:cut], 0o644))
			must(t, v.Truncate("f", 0))
			if fi, _ := os.Stat(back); fi.Size() != 0 {
				t.Errorf("Truncate(0) of a stub left %d bytes", fi.Size())
			}
		}
	})
}

// TestZeroBlocks checks the hole rule: a full all-zero block reads as
// zeros, an all-zero partial block or nonce is corrupt.
func TestZeroBlocks(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		data := randBytes(3, 3*bs+1000)
		writeFile(t, v.FS, "f", data)
		back := v.backing(t, "f")
		orig, err := os.ReadFile(back)
		must(t, err)
		c := v.Content()
		zero := func(from, to int) {
			b := bytes.Clone(orig)
			clear(b[from:to])
			must(t, os.WriteFile(back, b, 0o644))
		}
		zero(int(c.BlockOffset(1)), int(c.BlockOffset(2)))
		blocks, errs := readBlocks(t, v, "f")
		if errs[1] != nil || !bytes.Equal(blocks[1], make([]byte, bs)) {
			t.Errorf("zeroed full block: %v", errs[1])
		}
		if errs[0] != nil || errs[2] != nil || errs[3] != nil {
			t.Errorf("zeroing block 1 broke others: %v", errs)
		}
		zero(int(c.BlockOffset(3)), len(orig))
		_, errs = readBlocks(t, v, "f")
		wantCorrupt(t, errs[3], crypto.ErrAuth, "zeroed partial last block")
		zero(int(c.BlockOffset(2)), int(c.BlockOffset(2))+c.NonceSize())
		_, errs = readBlocks(t, v, "f")
		wantCorrupt(t, errs[2], crypto.ErrAuth, "zeroed nonce")
		zero(2, crypto.HeaderSize)
		_, errs = readBlocks(t, v, "f")
		wantCorrupt(t, errs[0], crypto.ErrBadHeader, "zeroed file ID")
	})
}

func badNames(t *testing.T, v *vault, dir string) map[string]bool {
	t.Helper()
	_, bad, err := v.Inspect().ReadDirBad(dir)
	must(t, err)
	out := map[string]bool{}
	for _, b := range bad {
		if !fs.IsCorrupt(b.Err) && !errors.Is(b.Err, unix.ENOENT) && !errors.Is(b.Err, unix.ELOOP) && !errors.Is(b.Err, unix.EINVAL) {
			t.Errorf("bad name %q: unexpected error %v", b.Disk, b.Err)
		}
		out[b.Disk] = true
	}
	return out
}

func TestBadNames(t *testing.T) {
	forEachVariant(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		long := strings.Repeat("N", 200)
		writeFile(t, v.FS, "good", nil)
		writeFile(t, v.FS, long, nil)
		must(t, v.Mkdir("other", 0o755, nil))
		writeFile(t, v.FS, "other/"+strings.Repeat("O", 200), nil)
		other := v.backing(t, "other/"+strings.Repeat("O", 200))
		lb := v.backing(t, long)
		garbage := []string{"AAAAAAAAAAAAAAAAAAAAA" /* 15 bytes: never a name, whatever the key */, "not base64!", ".DS_Store", "gocryptfs.conf.bak",
			"gocryptfs.longname.orphan", "QUFB", "gocryptfs.longname." + strings.Repeat("x", 43)}
		for _, n := range garbage {
			must(t, os.WriteFile(filepath.Join(v.dir, n), nil, 0o644))
		}
		bad := badNames(t, v, "")
		for _, n := range garbage {
			if n != "gocryptfs.conf.bak" && !bad[n] {
				t.Errorf("%q not reported as a bad name", n)
			}
		}
		if got := names(t, v.FS, ""); len(got) != 3 {
			t.Errorf("ReadDir shows %q, want only the 3 good names", got)
		}

		// Damaged .name files: empty, oversized, garbage, symlink, the
		// name of another entry (hash mismatch), a FIFO.
		otherName, err := os.ReadFile(other + crypto.LongNameSuffix)
		must(t, err)
		for i, damage := range []func(p string){
			func(p string) { must(t, os.WriteFile(p, nil, 0o444)) },
			func(p string) { must(t, os.WriteFile(p, bytes.Repeat([]byte("A"), crypto.MaxLongNameFile+1), 0o444)) },
			func(p string) { must(t, os.WriteFile(p, []byte("%%% garbage %%%"), 0o444)) },
			func(p string) { must(t, os.WriteFile(p, otherName, 0o444)) },
			func(p string) { must(t, os.Symlink("/etc/passwd", p)) },
			func(p string) { must(t, unix.Mkfifo(p, 0o644)) },
			func(p string) { must(t, os.Mkdir(p, 0o755)) },
		} {
			p := lb + crypto.LongNameSuffix
			must(t, os.RemoveAll(p))
			damage(p)
			if !badNames(t, v, "")[filepath.Base(lb)] {
				t.Errorf("damage %d of the .name file not reported", i)
			}
			if _, err := v.Stat(long); err != nil {
				t.Errorf("damage %d: lookup by plaintext name failed: %v", i, err)
			}
		}
	})
}

func TestBadDirIV(t *testing.T) {
	for _, damage := range []struct {
		name string
		fn   func(p string)
	}{
		{"short", func(p string) { must(t, os.WriteFile(p, make([]byte, 15), 0o444)) }},
		{"long", func(p string) { must(t, os.WriteFile(p, bytes.Repeat([]byte{1}, 17), 0o444)) }},
		{"zero", func(p string) { must(t, os.WriteFile(p, make([]byte, 16), 0o444)) }},
		{"empty", func(p string) { must(t, os.WriteFile(p, nil, 0o444)) }},
		{"missing", func(p string) {}},
		{"symlink", func(p string) { must(t, os.Symlink("/etc/hostname", p)) }},
		{"fifo", func(p string) { must(t, unix.Mkfifo(p, 0o644)) }},
		{"dir", func(p string) { must(t, os.Mkdir(p, 0o755)) }},
	} {
		t.Run(damage.name, func(t *testing.T) {
			v := newVault(t, variants[0].opts)
			must(t, v.Mkdir("d", 0o755, nil))
			writeFile(t, v.FS, "d/f", []byte("x"))
			p := filepath.Join(v.backing(t, "d"), crypto.DirIVName)
			must(t, os.Remove(p))
			damage.fn(p)
			// A damage made behind the FS's back is seen by a new view at
			// once (the open one notices when its directory cache expires).
			w := v.open(t)
			_, err := w.Stat("d/f")
			if err == nil {
				t.Fatal("Stat through a damaged diriv succeeded")
			}
			if damage.name == "short" || damage.name == "long" || damage.name == "zero" || damage.name == "empty" {
				if !fs.IsCorrupt(err) {
					t.Errorf("diriv of a wrong size: %v is not a corruption error", err)
				}
			}
			if _, err := w.ReadDir("d"); err == nil {
				t.Error("ReadDir with a damaged diriv succeeded")
			}
			_, err = w.Create("d/new", unix.O_RDWR, 0o644, nil)
			if err == nil {
				t.Error("Create with a damaged diriv succeeded")
			}
			// The parent is fine.
			if _, err := w.Stat("d"); err != nil {
				t.Errorf("Stat of the directory itself: %v", err)
			}
		})
	}
}

// TestCorruptSymlinkXattr damages a symlink target and an xattr value.
func TestCorruptSymlinkXattr(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		must(t, v.Symlink("target", "link", nil))
		writeFile(t, v.FS, "f", nil)
		must(t, v.Setxattr("f", "user.x", []byte("value"), 0))
		lb := v.backing(t, "link")
		enc, err := os.Readlink(lb)
		must(t, err)
		// The first character is replaced by a different one: a fixed
		// "x" would leave a target that starts with x (1 in 64) intact.
		first := "x"
		if enc[0] == 'x' {
			first = "y"
		}
		for _, bad := range []string{enc[:len(enc)-4], first + enc[1:], "!!!notbase64", "AAAA", strings.Repeat("A", len(enc))} {
			if bad == enc {
				t.Fatalf("damage %q leaves the target intact", bad)
			}
			must(t, os.Remove(lb))
			must(t, os.Symlink(bad, lb))
			_, err := v.Readlink("link")
			wantCorrupt(t, err, crypto.ErrAuth, "Readlink of a damaged target")
			if _, err := v.Stat("link"); err != nil {
				t.Errorf("Stat of a link with a damaged target: %v", err)
			}
		}
		fb := v.backing(t, "f")
		buf := make([]byte, 256)
		n, err := unix.Listxattr(fb, buf)
		must(t, err)
		stored := strings.TrimRight(string(buf[:n]), "\x00")
		val := make([]byte, 256)
		m, err := unix.Getxattr(fb, stored, val)
		must(t, err)
		for _, bad := range [][]byte{val[:m-1], append([]byte{val[0] ^ 1}, val[1:m]...), make([]byte, m), {1}} {
			must(t, unix.Setxattr(fb, stored, bad, 0))
			_, err := v.Getxattr("f", "user.x")
			wantCorrupt(t, err, crypto.ErrAuth, "Getxattr of a damaged value")
		}
		// A stored xattr name that does not decrypt is not listed.
		must(t, unix.Setxattr(fb, crypto.XattrPrefix+"garbage", []byte("v"), 0))
		must(t, unix.Setxattr(fb, "user.plain", []byte("v"), 0))
		if l, err := v.Listxattr("f"); err != nil || len(l) != 1 || l[0] != "user.x" {
			t.Errorf("Listxattr %q, %v", l, err)
		}
	})
}

// TestPlantedTypes puts objects of the wrong type under encrypted names.
func TestPlantedTypes(t *testing.T) {
	v := newVault(t, variants[0].opts)
	writeFile(t, v.FS, "file", nil)
	must(t, v.Mkdir("dir", 0o755, nil))
	fb, db := v.backing(t, "file"), v.backing(t, "dir")
	must(t, os.Remove(fb))
	must(t, os.Mkdir(fb, 0o755)) // a directory without diriv where a file was
	_, err := v.Open("file", unix.O_RDONLY)
	wantErrno(t, err, unix.EISDIR, "Open of a planted directory")
	_, err = v.ReadDir("file")
	if err == nil {
		t.Error("ReadDir of a directory without diriv succeeded")
	}
	must(t, os.RemoveAll(db))
	must(t, unix.Mkfifo(db, 0o644)) // a fifo where a directory was
	_, err = v.ReadDir("dir")
	wantErrno(t, err, unix.ENOTDIR, "ReadDir of a planted fifo")
	_, err = v.Open("dir", unix.O_RDONLY)
	if err == nil {
		t.Error("Open of a planted fifo succeeded")
	}
}
