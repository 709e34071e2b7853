package mount_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

const bs = crypto.BlockSize

// stampBlock fills one plaintext block with an 8-byte stamp (block index,
// writer, sequence number) repeated, so a block that mixes two writes
// or lands at the wrong place is recognizable.
func stampBlock(p []byte, block, writer, seq int) {
	var w [8]byte
	binary.LittleEndian.PutUint64(w[:], uint64(block)<<40|uint64(writer)<<32|uint64(seq)|1<<63)
	for i := 0; i < len(p); i += 8 {
		copy(p[i:], w[:])
	}
}

// checkBlock reports what is wrong with block b as read: it must be all
// zeros (a hole) or one stamp of block b repeated.
func checkBlock(p []byte, b int) error {
	first := binary.LittleEndian.Uint64(p)
	if first == 0 {
		if !bytes.Equal(p, make([]byte, len(p))) {
			return fmt.Errorf("block %d: zeros mixed with data", b)
		}
		return nil
	}
	if int(first>>40&0x7fffff) != b || first>>63 == 0 {
		return fmt.Errorf("block %d: holds the stamp of block %d (%#x)", b, first>>40&0x7fffff, first)
	}
	for i := 8; i < len(p); i += 8 {
		if w := binary.LittleEndian.Uint64(p[i:]); w != first {
			return fmt.Errorf("block %d torn at byte %d: %#x then %#x", b, i, first, w)
		}
	}
	return nil
}

// TestConcurrentHandles has writers, strict readers (O_DIRECT: every read
// reaches the daemon), page-cache readers and a truncater work on one
// file through separate handles. Writes and truncates are block-aligned,
// so every block a strict reader sees must be a hole or one whole write.
func TestConcurrentHandles(t *testing.T) {
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{})
	p := filepath.Join(mnt, "shared.bin")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const blocks = 48
	rounds := 400
	if testing.Short() {
		rounds = 80
	}
	var (
		wg      sync.WaitGroup
		done    atomic.Bool
		errOnce sync.Once
		firstE  error
		checked atomic.Int64 // stamped blocks the strict readers saw
	)
	fail := func(err error) {
		errOnce.Do(func() { firstE = err })
		done.Store(true)
	}
	open := func(flags int) *os.File {
		f, err := os.OpenFile(p, flags, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	var writers sync.WaitGroup
	for w := range 3 {
		f := open(os.O_RDWR)
		writers.Add(1)
		go func() {
			defer writers.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			buf := make([]byte, 4*bs)
			for seq := 0; seq < rounds && !done.Load(); seq++ {
				first, n := rng.IntN(blocks), 1+rng.IntN(4)
				n = min(n, blocks-first)
				for i := range n {
					stampBlock(buf[i*bs:(i+1)*bs], first+i, w, seq)
				}
				if _, err := f.WriteAt(buf[:n*bs], int64(first*bs)); err != nil {
					fail(fmt.Errorf("writer %d: %w", w, err))
					return
				}
			}
		}()
	}
	reader := func(name string, f *os.File, strict bool) {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(uint64(len(name)), 2))
		// O_DIRECT wants an aligned buffer.
		buf, err := unix.Mmap(-1, 0, 8*bs, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
		if err != nil {
			fail(err)
			return
		}
		defer unix.Munmap(buf)
		for !done.Load() {
			first, n := rng.IntN(blocks), 1+rng.IntN(8)
			got, err := f.ReadAt(buf[:n*bs], int64(first*bs))
			if err != nil && err != io.EOF {
				fail(fmt.Errorf("%s: read: %w", name, err))
				return
			}
			if !strict {
				continue
			}
			for i := 0; (i+1)*bs <= got; i++ {
				if err := checkBlock(buf[i*bs:(i+1)*bs], first+i); err != nil {
					fail(fmt.Errorf("%s: %w", name, err))
					return
				}
				if buf[i*bs+7] != 0 {
					checked.Add(1)
				}
			}
		}
	}
	wg.Add(3)
	go reader("direct reader 1", open(os.O_RDONLY|syscall.O_DIRECT), true)
	go reader("direct reader 2", open(os.O_RDWR|syscall.O_DIRECT), true)
	// Buffered reads can see a page while the kernel copies a write into
	// it (as on any Linux file system), so they only must not fail.
	go reader("cached reader", open(os.O_RDONLY), false)
	wg.Add(1)
	go func() {
		defer wg.Done()
		f := open(os.O_WRONLY)
		rng := rand.New(rand.NewPCG(9, 9))
		for !done.Load() {
			if err := f.Truncate(int64(rng.IntN(blocks) * bs)); err != nil {
				fail(fmt.Errorf("truncate: %w", err))
				return
			}
			for range 20 {
				if done.Load() {
					break
				}
				syscall.Getpid() // let the others run between truncates
			}
		}
	}()
	writers.Wait()
	done.Store(true)
	wg.Wait()
	if firstE != nil {
		t.Fatal(firstE)
	}
	t.Logf("strict readers checked %d written blocks", checked.Load())
	if checked.Load() == 0 {
		t.Error("the strict readers never saw a written block")
	}
	// Quiet now: the whole file through a fresh open, through the page
	// cache, and through fs directly agree and are well-formed.
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got)%bs != 0 {
		t.Fatalf("size %d is not block-aligned", len(got))
	}
	for b := 0; b < len(got)/bs; b++ {
		if err := checkBlock(got[b*bs:(b+1)*bs], b); err != nil {
			t.Error(err)
		}
	}
	direct := readFS(t, fsys, "shared.bin")
	if !bytes.Equal(direct, got) {
		t.Errorf("fs.FS and mount disagree: %d vs %d bytes, first difference at %d", len(direct), len(got), firstDiff(direct, got))
	}
}

// readFS reads a whole file through the backing fs.FS, bypassing FUSE.
func readFS(t *testing.T, fsys *fs.FS, name string) []byte {
	t.Helper()
	f, err := fsys.Open(name, os.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWriteAfterTruncate shrinks a file to an odd size through one handle
// and writes past the new end through another: the cut-off data must not
// come back (from the page cache or the old last block), the gap reads as
// zeros, and the size is right at once.
func TestWriteAfterTruncate(t *testing.T) {
	_, fsys := newVault(t, crypto.XChaCha20Poly1305)
	mnt := mountFS(t, fsys, mount.Options{})
	p := filepath.Join(mnt, "f")
	a := bytes.Repeat([]byte{'A'}, 3*bs+100)
	if err := os.WriteFile(p, a, 0o644); err != nil {
		t.Fatal(err)
	}
	f1, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f1.Close()
	f2, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	// Pull the old content into the page cache through f2.
	if _, err := io.ReadAll(io.NewSectionReader(f2, 0, 1<<20)); err != nil {
		t.Fatal(err)
	}
	want := append([]byte(nil), a...)
	for _, step := range []struct {
		trunc    int64
		writeOff int64
		data     string
	}{
		{1000, 2*bs + 10, "after-shrink"},
		{bs + 1, bs + 5, "inside-last-block"},
		{0, 100, "from-empty"},
		{5 * bs, 5*bs + 3, "after-grow"},
		{2 * bs, 2 * bs, "at-aligned-end"},
	} {
		if err := f1.Truncate(step.trunc); err != nil {
			t.Fatal(err)
		}
		want = resize(want, int(step.trunc))
		if fi, err := f2.Stat(); err != nil || fi.Size() != step.trunc {
			t.Fatalf("%s: fstat on the other handle right after ftruncate: %v, %v, want size %d", step.data, fi.Size(), err, step.trunc)
		}
		if _, err := f2.WriteAt([]byte(step.data), step.writeOff); err != nil {
			t.Fatal(err)
		}
		end := int(step.writeOff) + len(step.data)
		want = resize(want, max(end, len(want)))
		copy(want[step.writeOff:], step.data)
		if fi, err := os.Stat(p); err != nil || fi.Size() != int64(len(want)) {
			t.Fatalf("%s: stat right after the write: %v, want size %d", step.data, err, len(want))
		}
		for _, r := range []io.ReaderAt{f1, f2} {
			got := make([]byte, len(want)+bs)
			n, err := r.ReadAt(got, 0)
			if err != io.EOF || !bytes.Equal(got[:n], want) {
				t.Fatalf("%s: read %d bytes (%v), want %d; first difference at %d", step.data, n, err, len(want), firstDiff(got[:n], want))
			}
		}
		if got := readFS(t, fsys, "f"); !bytes.Equal(got, want) {
			t.Fatalf("%s: fs.FS reads %d bytes, want %d; first difference at %d", step.data, len(got), len(want), firstDiff(got, want))
		}
	}
}

func resize(b []byte, n int) []byte {
	if n <= len(b) {
		return b[:n]
	}
	return append(b, make([]byte, n-len(b))...)
}

// TestMmap writes through a shared mapping, msyncs, and reads back through
// a new open and through fs directly; then maps the file again. The
// mapped memory is touched only by a child process (mmapHelper): a page
// fault on a FUSE mapping in the process that serves the mount can
// deadlock with the Go runtime stopping the world for GC.
func TestMmap(t *testing.T) {
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{})
	p := filepath.Join(mnt, "mapped")
	const size = 5*bs + 300
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	must(t, err)
	defer f.Close()
	must(t, f.Truncate(size))
	want := make([]byte, size)
	for i := range want {
		if (i/bs)%2 == 0 || i > 4*bs { // leave blocks 1 and 3 untouched (holes)
			want[i] = byte(i*7 + i/bs)
		}
	}
	data := filepath.Join(t.TempDir(), "data")
	must(t, os.WriteFile(data, want, 0o644))
	mmapHelper(t, "write", p, size, 0, data, "msync")
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read after msync: %v, %d bytes, first difference at %d", err, len(got), firstDiff(got, want))
	}
	if got := readFS(t, fsys, "mapped"); !bytes.Equal(got, want) {
		t.Fatalf("fs.FS after msync: %d bytes, first difference at %d", len(got), firstDiff(got, want))
	}
	// A second mapping sees the same; writes through it reach the
	// daemon on munmap + close, without msync.
	if got := mmapHelper(t, "dump", p, size, 0, "", "shared"); !bytes.Equal(got, want) {
		t.Errorf("shared mapping differs at %d", firstDiff(got, want))
	}
	patch := "written-via-second-map"
	must(t, os.WriteFile(data, []byte(patch), 0o644))
	mmapHelper(t, "write", p, size, bs+10, data, "no-msync")
	copy(want[bs+10:], patch)
	if got := readFS(t, fsys, "mapped"); !bytes.Equal(got, want) {
		t.Fatalf("fs.FS after munmap+close: first difference at %d", firstDiff(got, want))
	}
	if got := mmapHelper(t, "dump", p, size, 0, "", "private"); !bytes.Equal(got, want) {
		t.Errorf("private mapping differs at %d", firstDiff(got, want))
	}
	// Written through write(2), seen through a new mapping.
	_, err = f.WriteAt([]byte("pwrite"), 3*bs+1)
	must(t, err)
	copy(want[3*bs+1:], "pwrite")
	if got := mmapHelper(t, "dump", p, size, 0, "", "shared"); !bytes.Equal(got, want) {
		t.Errorf("mapping after pwrite differs at %d", firstDiff(got, want))
	}
}

const mmapHelperEnv = "COFFERFS_MMAP_HELPER"

// mmapHelper runs this test binary as a child that maps path (size
// bytes) and either copies the content of file data into the mapping at
// off ("write"; mode "msync" or "no-msync") or prints the mapping
// ("dump"; mode "shared" or "private").
func mmapHelper(t *testing.T, op, path string, size, off int, data, mode string) []byte {
	t.Helper()
	args := strings.Join([]string{op, path, fmt.Sprint(size), fmt.Sprint(off), data, mode}, "\x1f")
	// A -race child would sleep a second at exit (atexit_sleep_ms).
	env := []string{mmapHelperEnv + "=" + args, "GORACE=atexit_sleep_ms=0 " + os.Getenv("GORACE")}
	out, err := runErr("", env, os.Args[0], "-test.run=^$")
	if err != nil {
		t.Fatalf("mmap helper %s: %v\n%s", op, err, tail(out, 2000))
	}
	return []byte(out)
}

func init() {
	if a := os.Getenv(mmapHelperEnv); a != "" {
		if err := mmapChild(strings.Split(a, "\x1f")); err != nil {
			fmt.Fprintln(os.Stderr, "mmap helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

func mmapChild(a []string) error {
	op, path, mode := a[0], a[1], a[5]
	size, _ := strconv.Atoi(a[2])
	off, _ := strconv.Atoi(a[3])
	flags, prot, acc := unix.MAP_SHARED, unix.PROT_READ, os.O_RDONLY
	if op == "write" {
		prot, acc = unix.PROT_READ|unix.PROT_WRITE, os.O_RDWR
	}
	if mode == "private" {
		flags = unix.MAP_PRIVATE
	}
	f, err := os.OpenFile(path, acc, 0)
	if err != nil {
		return err
	}
	m, err := unix.Mmap(int(f.Fd()), 0, size, prot, flags)
	if err != nil {
		return err
	}
	switch op {
	case "dump":
		os.Stdout.Write(m)
	case "write":
		b, err := os.ReadFile(a[4])
		if err != nil {
			return err
		}
		copy(m[off:], b)
		if mode == "msync" {
			if err := unix.Msync(m, unix.MS_SYNC); err != nil {
				return err
			}
		}
	}
	if err := unix.Munmap(m); err != nil {
		return err
	}
	return f.Close()
}
