package mount_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// The randomized test drives a mount with random pwrite, pread,
// ftruncate, fsync, rename, unlink, stat and close/reopen operations on a
// handful of names through several handles, and checks every result
// against an in-memory model of inodes, names and handles.

type mFile struct {
	id   int
	data []byte
}

type mHandle struct {
	f     *os.File
	file  *mFile
	read  bool
	write bool
	app   bool
	desc  string
}

type randTest struct {
	t       *testing.T
	rng     *rand.Rand
	mnt     string
	fsys    *fs.FS
	names   []string
	files   map[string]*mFile // name -> inode
	handles []*mHandle
	nextID  int
	step    int
	buf     []byte
	pool    []byte
}

const randMaxSize = 320 << 10

func TestRandomOps(t *testing.T) {
	ops := 34000
	if testing.Short() {
		ops = 3000
	}
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			alg := crypto.AESGCM
			if seed == 2 {
				alg = crypto.XChaCha20Poly1305
			}
			// tmpfs: the backing disk's own fsync and truncate
			// costs would dominate the run time.
			fsys := newVaultAt(t, tmpfsDir(t, "64m"), alg, fs.Options{})
			mnt := mountFS(t, fsys, mount.Options{})
			if err := os.Mkdir(filepath.Join(mnt, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			r := &randTest{t: t, rng: rand.New(rand.NewPCG(seed, 77)), mnt: mnt, fsys: fsys,
				names: []string{"a", "b", "c", "sub/d", "sub/e"}, files: map[string]*mFile{},
				buf: make([]byte, 512<<10), pool: make([]byte, 1<<20)}
			for i := 0; i < len(r.pool); i += 8 {
				binary.LittleEndian.PutUint64(r.pool[i:], r.rng.Uint64())
			}
			for r.step = 0; r.step < ops; r.step++ {
				r.one()
				if t.Failed() {
					t.Fatalf("stopped at step %d (seed %d)", r.step, seed)
				}
			}
			r.closeAll()
			r.checkAll()
		})
	}
}

func (r *randTest) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("step %d: "+format, append([]any{r.step}, args...)...)
}

func (r *randTest) one() {
	switch x := r.rng.IntN(100); {
	case x < 8:
		r.open()
	case x < 13:
		r.closeOne()
	case x < 45:
		r.pwrite()
	case x < 75:
		r.pread()
	case x < 81:
		r.truncate()
	case x < 84:
		r.fsync()
	case x < 89:
		r.rename()
	case x < 90:
		r.unlink()
	case x < 98:
		r.stat()
	default:
		r.checkOne()
	}
}

func (r *randTest) path(name string) string { return filepath.Join(r.mnt, name) }

func (r *randTest) open() {
	if len(r.handles) >= 8 {
		r.closeOne()
	}
	name := r.names[r.rng.IntN(len(r.names))]
	file := r.files[name]
	var flags int
	if file == nil {
		flags = os.O_CREATE | os.O_EXCL | []int{os.O_RDWR, os.O_WRONLY, os.O_RDWR | os.O_APPEND}[r.rng.IntN(3)]
	} else {
		flags = []int{os.O_RDONLY, os.O_RDWR, os.O_WRONLY, os.O_RDWR | os.O_APPEND,
			os.O_WRONLY | os.O_APPEND, os.O_RDWR | os.O_TRUNC, os.O_RDWR | os.O_CREATE}[r.rng.IntN(7)]
	}
	f, err := os.OpenFile(r.path(name), flags, 0o644)
	if err != nil {
		r.fatalf("open %s flags %#x: %v", name, flags, err)
	}
	if file == nil {
		file = &mFile{id: r.nextID}
		r.nextID++
		r.files[name] = file
	}
	if flags&os.O_TRUNC != 0 {
		file.data = file.data[:0]
	}
	acc := flags & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR)
	r.handles = append(r.handles, &mHandle{f: f, file: file,
		read: acc != os.O_WRONLY, write: acc != os.O_RDONLY, app: flags&os.O_APPEND != 0,
		desc: fmt.Sprintf("%s(#%d, flags %#x)", name, file.id, flags)})
}

func (r *randTest) closeOne() {
	if len(r.handles) == 0 {
		return
	}
	i := r.rng.IntN(len(r.handles))
	if err := r.handles[i].f.Close(); err != nil {
		r.fatalf("close %s: %v", r.handles[i].desc, err)
	}
	r.handles = append(r.handles[:i], r.handles[i+1:]...)
}

func (r *randTest) closeAll() {
	for _, h := range r.handles {
		if err := h.f.Close(); err != nil {
			r.fatalf("close %s: %v", h.desc, err)
		}
	}
	r.handles = nil
}

// pick returns a random handle that can read (or write), or nil.
func (r *randTest) pick(write bool) *mHandle {
	var c []*mHandle
	for _, h := range r.handles {
		if (write && h.write) || (!write && h.read) {
			c = append(c, h)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return c[r.rng.IntN(len(c))]
}

// size draws a length: mostly small, sometimes a block, sometimes larger
// than one FUSE request.
func (r *randTest) size() int {
	switch x := r.rng.IntN(100); {
	case x < 45:
		return 1 + r.rng.IntN(200)
	case x < 65:
		return crypto.BlockSize * (1 + r.rng.IntN(2))
	case x < 97:
		return 1 + r.rng.IntN(3*crypto.BlockSize)
	default:
		return 1 + r.rng.IntN(200<<10)
	}
}

// offset draws an offset around the data of file: inside, at a block
// edge, at the end, or past it (leaving a hole).
func (r *randTest) offset(file *mFile) int {
	n := len(file.data)
	switch x := r.rng.IntN(10); {
	case x < 5:
		return r.rng.IntN(n + 1)
	case x < 7:
		return crypto.BlockSize * r.rng.IntN(n/crypto.BlockSize+2)
	case x < 8:
		return n
	default:
		return n + r.rng.IntN(3*crypto.BlockSize)
	}
}

func (r *randTest) pwrite() {
	h := r.pick(true)
	if h == nil {
		r.open()
		return
	}
	n := r.size()
	off := r.offset(h.file)
	if h.app {
		off = len(h.file.data)
	}
	if off+n > randMaxSize {
		r.shrinkTo(h)
		return
	}
	// Random data: a random window of a random pool.
	o := r.rng.IntN(len(r.pool) - n)
	p := r.pool[o : o+n]
	at := off
	if h.app {
		// pwrite on an O_APPEND descriptor appends whatever the offset says.
		at = r.rng.IntN(1000)
	}
	got, err := unix.Pwrite(int(h.f.Fd()), p, int64(at))
	if err != nil || got != n {
		r.fatalf("pwrite %s off %d len %d: %d, %v", h.desc, off, n, got, err)
	}
	if off > len(h.file.data) {
		h.file.data = append(h.file.data, make([]byte, off-len(h.file.data))...)
	}
	if end := off + n; end > len(h.file.data) {
		h.file.data = append(h.file.data, make([]byte, end-len(h.file.data))...)
	}
	copy(h.file.data[off:], p)
}

// shrinkTo keeps the files small: it truncates h's file to a random size.
func (r *randTest) shrinkTo(h *mHandle) {
	if !h.write {
		return
	}
	r.doTruncate(h, r.rng.IntN(len(h.file.data)/2+1))
}

func (r *randTest) pread() {
	h := r.pick(false)
	if h == nil {
		r.open()
		return
	}
	n := r.size()
	if n > len(r.buf) {
		n = len(r.buf)
	}
	off := r.offset(h.file)
	p := r.buf[:n]
	got, err := unix.Pread(int(h.f.Fd()), p, int64(off))
	if err != nil {
		r.fatalf("pread %s off %d len %d: %v", h.desc, off, n, err)
	}
	want := []byte{}
	if off < len(h.file.data) {
		want = h.file.data[off:min(off+n, len(h.file.data))]
	}
	if !bytes.Equal(p[:got], want) {
		r.fatalf("pread %s off %d len %d: got %d bytes, want %d; first difference at %d",
			h.desc, off, n, got, len(want), firstDiff(p[:got], want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func (r *randTest) truncate() {
	h := r.pick(true)
	if h == nil {
		return
	}
	var size int
	switch x := r.rng.IntN(4); {
	case x == 0:
		size = 0
	case x == 1:
		size = crypto.BlockSize * r.rng.IntN(len(h.file.data)/crypto.BlockSize+3)
	default:
		size = r.rng.IntN(len(h.file.data) + 3*crypto.BlockSize)
	}
	r.doTruncate(h, min(size, randMaxSize))
}

func (r *randTest) doTruncate(h *mHandle, size int) {
	if err := h.f.Truncate(int64(size)); err != nil {
		r.fatalf("ftruncate %s to %d: %v", h.desc, size, err)
	}
	if size <= len(h.file.data) {
		h.file.data = h.file.data[:size]
	} else {
		h.file.data = append(h.file.data, make([]byte, size-len(h.file.data))...)
	}
}

func (r *randTest) fsync() {
	if len(r.handles) == 0 {
		return
	}
	h := r.handles[r.rng.IntN(len(r.handles))]
	var err error
	if r.rng.IntN(2) == 0 {
		err = h.f.Sync()
	} else {
		err = unix.Fdatasync(int(h.f.Fd()))
	}
	if err != nil {
		r.fatalf("fsync %s: %v", h.desc, err)
	}
}

func (r *randTest) rename() {
	from := r.names[r.rng.IntN(len(r.names))]
	to := r.names[r.rng.IntN(len(r.names))]
	if r.files[from] == nil || from == to {
		return
	}
	if err := os.Rename(r.path(from), r.path(to)); err != nil {
		r.fatalf("rename %s -> %s: %v", from, to, err)
	}
	r.files[to] = r.files[from]
	delete(r.files, from)
}

func (r *randTest) unlink() {
	name := r.names[r.rng.IntN(len(r.names))]
	if r.files[name] == nil {
		return
	}
	if err := os.Remove(r.path(name)); err != nil {
		r.fatalf("unlink %s: %v", name, err)
	}
	delete(r.files, name)
}

// stat checks the size, by handle or by path, right after any change.
func (r *randTest) stat() {
	if r.rng.IntN(2) == 0 && len(r.handles) > 0 {
		h := r.handles[r.rng.IntN(len(r.handles))]
		fi, err := h.f.Stat()
		if err != nil {
			r.fatalf("fstat %s: %v", h.desc, err)
		}
		if fi.Size() != int64(len(h.file.data)) {
			r.fatalf("fstat %s: size %d, want %d", h.desc, fi.Size(), len(h.file.data))
		}
		return
	}
	name := r.names[r.rng.IntN(len(r.names))]
	fi, err := os.Stat(r.path(name))
	file := r.files[name]
	switch {
	case file == nil && !os.IsNotExist(err):
		r.fatalf("stat %s: %v, want ENOENT", name, err)
	case file != nil && err != nil:
		r.fatalf("stat %s: %v", name, err)
	case file != nil && fi.Size() != int64(len(file.data)):
		r.fatalf("stat %s (#%d): size %d, want %d", name, file.id, fi.Size(), len(file.data))
	}
}

// checkOne reads one whole file by path through a fresh open.
func (r *randTest) checkOne() {
	name := r.names[r.rng.IntN(len(r.names))]
	if file := r.files[name]; file != nil {
		r.compare(name, file)
	}
}

func (r *randTest) compare(name string, file *mFile) {
	got, err := os.ReadFile(r.path(name))
	if err != nil {
		r.fatalf("read %s: %v", name, err)
	}
	if !bytes.Equal(got, file.data) {
		r.fatalf("read %s (#%d): %d bytes, want %d; first difference at %d",
			name, file.id, len(got), len(file.data), firstDiff(got, file.data))
	}
}

// checkAll compares every file through the mount and through the
// backing fs.FS directly, and checks that no other name exists.
func (r *randTest) checkAll() {
	for _, dir := range []string{"", "sub"} {
		ents, err := os.ReadDir(filepath.Join(r.mnt, dir))
		if err != nil {
			r.fatalf("readdir %q: %v", dir, err)
		}
		for _, e := range ents {
			name := filepath.ToSlash(filepath.Join(dir, e.Name()))
			if name != "sub" && r.files[name] == nil {
				r.fatalf("unexpected entry %s", name)
			}
		}
	}
	for name, file := range r.files {
		r.compare(name, file)
		f, err := r.fsys.Open(name, os.O_RDONLY)
		if err != nil {
			r.fatalf("fs open %s: %v", name, err)
		}
		got, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
		f.Close()
		if err != nil || !bytes.Equal(got, file.data) {
			r.fatalf("fs read %s: %v, %d bytes, want %d", name, err, len(got), len(file.data))
		}
	}
}
