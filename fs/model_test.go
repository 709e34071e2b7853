package fs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
)

// The randomized model test drives several files through many handles
// with random writes, reads, truncates, syncs and reopens, and checks
// every result against an in-memory []byte per file. It also checks the
// format invariant that the backing size is always exactly
// CipherSize(plaintext size).

// modelFile is the expected content of one inode (shared by hard links).
type modelFile struct {
	data    []byte
	backing string // backing path of one of its names
}

type modelHandle struct {
	f      *fs.File
	path   string
	file   *modelFile
	flags  int
	write  bool
	append bool
}

type model struct {
	t       *testing.T
	v       *vault
	r       *rand.Rand
	files   map[string]*modelFile // by plaintext path
	paths   []string
	handles []*modelHandle
	buf     []byte
	pool    []byte // random bytes that writes copy from
}

var modelOpenFlags = []int{
	unix.O_RDONLY,
	unix.O_WRONLY,
	unix.O_RDWR,
	unix.O_RDWR | unix.O_APPEND,
	unix.O_WRONLY | unix.O_APPEND,
	unix.O_RDWR | unix.O_TRUNC,
}

const maxModelSize = 320 << 10

func TestModel(t *testing.T) {
	ops := 26000 // per variant: > 100k in total
	if testing.Short() {
		ops = 2000
	}
	forEachVariant(t, func(t *testing.T, v variant) {
		t.Parallel()
		for seed := int64(1); seed <= 2; seed++ {
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
				runModel(t, v.opts, seed, ops/2)
			})
		}
	})
}

func runModel(t *testing.T, opts fs.Options, seed int64, ops int) {
	opts.NoSync = true
	vl := newVault(t, opts)
	m := &model{t: t, v: vl, r: rand.New(rand.NewSource(seed)), files: map[string]*modelFile{}}
	m.pool = make([]byte, 64<<10)
	m.r.Read(m.pool)
	must(t, vl.Mkdir("dir", 0o755, nil))
	long := strings.Repeat("n", 100) // a long name under LongNameMax 64
	for _, p := range []string{"a", "dir/b", "dir/" + long} {
		writeFile(t, vl.FS, p, nil)
		m.files[p] = &modelFile{backing: vl.backing(t, p)}
		m.paths = append(m.paths, p)
	}
	must(t, vl.Link("a", "dir/a-link"))
	m.files["dir/a-link"] = m.files["a"]
	m.paths = append(m.paths, "dir/a-link")

	for i := 0; i < ops; i++ {
		m.step(i)
	}
	for len(m.handles) > 0 {
		m.closeHandle(0)
	}
	m.compareAll(vl.FS)
	m.compareAll(vl.open(t))
	checkBackingClean(t, vl)
}

func (m *model) step(i int) {
	t := m.t
	switch x := m.r.Intn(100); {
	case x < 8 || len(m.handles) == 0:
		if len(m.handles) < 8 {
			m.openHandle()
		}
	case x < 13:
		m.closeHandle(m.r.Intn(len(m.handles)))
	case x < 50:
		m.write()
	case x < 82:
		m.read()
	case x < 92:
		m.truncate()
	case x < 93:
		m.seek()
	case x < 94:
		h := m.handles[m.r.Intn(len(m.handles))]
		if m.r.Intn(2) == 0 {
			must(t, h.f.Sync())
		} else {
			must(t, h.f.Datasync())
		}
	case x < 99 || m.r.Intn(4) > 0:
		h := m.handles[m.r.Intn(len(m.handles))]
		st, err := h.f.Stat()
		must(t, err)
		if st.Size != int64(len(h.file.data)) {
			t.Fatalf("op %d: File.Stat(%q) size %d, want %d", i, h.path, st.Size, len(h.file.data))
		}
		p := m.paths[m.r.Intn(len(m.paths))]
		st, err = m.v.Stat(p)
		must(t, err)
		if st.Size != int64(len(m.files[p].data)) {
			t.Fatalf("op %d: Stat(%q) size %d, want %d", i, p, st.Size, len(m.files[p].data))
		}
	default:
		m.compareAll(m.v.FS)
	}
}

func (m *model) openHandle() {
	p := m.paths[m.r.Intn(len(m.paths))]
	flags := modelOpenFlags[m.r.Intn(len(modelOpenFlags))]
	var f *fs.File
	var err error
	if m.r.Intn(4) == 0 {
		f, err = m.v.Create(p, flags, 0o600, nil) // existing file: plain open
	} else {
		f, err = m.v.Open(p, flags)
	}
	if err != nil {
		m.t.Fatalf("open %q flags %#x: %v", p, flags, err)
	}
	mf := m.files[p]
	if flags&unix.O_TRUNC != 0 {
		mf.data = mf.data[:0]
		m.checkBacking(mf, "open O_TRUNC")
	}
	m.handles = append(m.handles, &modelHandle{f: f, path: p, file: mf, flags: flags,
		write: flags&unix.O_ACCMODE != unix.O_RDONLY, append: flags&unix.O_APPEND != 0})
}

func (m *model) closeHandle(i int) {
	must(m.t, m.handles[i].f.Close())
	m.handles = append(m.handles[:i], m.handles[i+1:]...)
}

// pickOff returns an offset biased to block boundaries, the end of the
// file and far past it.
func (m *model) pickOff(size int) int {
	r := m.r
	var off int
	switch r.Intn(6) {
	case 0:
		off = r.Intn(size + 1)
	case 1:
		off = (r.Intn(size/crypto.BlockSize+3))*crypto.BlockSize + r.Intn(3) - 1
	case 2:
		off = size + r.Intn(3) - 1
	case 3:
		off = size + crypto.BlockSize*(1+r.Intn(20)) + r.Intn(crypto.BlockSize)
	case 4:
		off = r.Intn(4 * crypto.BlockSize)
	default:
		off = size
	}
	if off > maxModelSize {
		off = r.Intn(min(size, maxModelSize) + 1)
	}
	return max(off, 0)
}

var boundaryLens = []int{0, 1, 2, 4095, 4096, 4097, 8191, 8192, 8193, 12288}

func (m *model) pickLen() int {
	if m.r.Intn(3) == 0 {
		return boundaryLens[m.r.Intn(len(boundaryLens))]
	}
	return m.r.Intn(3*crypto.BlockSize + 1)
}

func (m *model) write() {
	h := m.pickHandle(true)
	if h == nil {
		return
	}
	mf := h.file
	off, n := m.pickOff(len(mf.data)), m.pickLen()
	start := m.r.Intn(len(m.pool) - n)
	p := m.pool[start : start+n]
	got, err := h.f.WriteAt(p, int64(off))
	if err != nil || got != n {
		m.t.Fatalf("WriteAt(%q, len %d, off %d) size %d: %d, %v", h.path, n, off, len(mf.data), got, err)
	}
	if h.append {
		off = len(mf.data)
	}
	if n > 0 {
		if end := off + n; end > len(mf.data) {
			mf.data = append(mf.data, make([]byte, end-len(mf.data))...)
		}
		copy(mf.data[off:], p)
	}
	m.checkBacking(mf, fmt.Sprintf("write len %d off %d", n, off))
}

func (m *model) read() {
	h := m.handles[m.r.Intn(len(m.handles))]
	data := h.file.data
	off, n := m.pickOff(len(data)), m.pickLen()
	if cap(m.buf) < n {
		m.buf = make([]byte, n)
	}
	buf := m.buf[:n]
	got, err := h.f.ReadAt(buf, int64(off))
	want := min(max(len(data)-off, 0), n)
	switch {
	case got != want:
		m.t.Fatalf("ReadAt(%q, len %d, off %d) size %d: got %d bytes (%v), want %d", h.path, n, off, len(data), got, err, want)
	case want < n && err != io.EOF:
		m.t.Fatalf("ReadAt(%q, len %d, off %d) size %d: short read with error %v, want io.EOF", h.path, n, off, len(data), err)
	case want == n && err != nil && !(err == io.EOF && off+n >= len(data)):
		m.t.Fatalf("ReadAt(%q, len %d, off %d) size %d: full read with error %v", h.path, n, off, len(data), err)
	case !bytes.Equal(buf[:got], data[min(off, len(data)):min(off, len(data))+got]):
		m.t.Fatalf("ReadAt(%q, len %d, off %d) size %d: content differs", h.path, n, off, len(data))
	}
}

func (m *model) truncate() {
	h := m.pickHandle(true)
	path := ""
	var mf *modelFile
	if h != nil && m.r.Intn(3) > 0 {
		mf = h.file
	} else {
		h, path = nil, m.paths[m.r.Intn(len(m.paths))]
		mf = m.files[path]
	}
	old := len(mf.data)
	size := 0
	switch x := m.r.Intn(10); {
	case x < 4:
		size = m.pickOff(old)
	case x < 6:
		size = m.pickOff(old) / crypto.BlockSize * crypto.BlockSize
	case x < 9:
		size = m.r.Intn(old + 1)
	}
	var err error
	if h != nil {
		path = h.path
		err = h.f.Truncate(uint64(size))
	} else {
		err = m.v.Truncate(path, uint64(size))
	}
	if err != nil {
		m.t.Fatalf("Truncate(%q, %d) from %d: %v", path, size, old, err)
	}
	if size <= old {
		mf.data = mf.data[:size]
	} else {
		mf.data = append(mf.data, make([]byte, size-old)...)
	}
	m.checkBacking(mf, fmt.Sprintf("truncate from %d to %d", old, size))
}

// seek checks SEEK_DATA and SEEK_HOLE against the model: data is never
// skipped, and a reported hole starts a run of zeros to the end of its
// block.
func (m *model) seek() {
	h := m.handles[m.r.Intn(len(m.handles))]
	data := h.file.data
	off := m.pickOff(len(data))
	whence := unix.SEEK_DATA
	if m.r.Intn(2) == 0 {
		whence = unix.SEEK_HOLE
	}
	r, err := h.f.Seek(uint64(off), whence)
	zero := func(from, to int) bool {
		return !slices.ContainsFunc(data[from:to], func(b byte) bool { return b != 0 })
	}
	switch {
	case off >= len(data):
		if !errors.Is(err, unix.ENXIO) {
			m.t.Fatalf("Seek(%d, %d) at or past EOF %d: %d, %v; want ENXIO", off, whence, len(data), r, err)
		}
	case errors.Is(err, unix.ENXIO) && whence == unix.SEEK_DATA:
		if !zero(off, len(data)) {
			m.t.Fatalf("SEEK_DATA from %d says no data, but there is (size %d)", off, len(data))
		}
	case err != nil || int(r) < off || int(r) > len(data):
		m.t.Fatalf("Seek(%d, %d) size %d: %d, %v", off, whence, len(data), r, err)
	case whence == unix.SEEK_DATA && !zero(off, int(r)):
		m.t.Fatalf("SEEK_DATA from %d to %d skips data", off, r)
	case whence == unix.SEEK_HOLE && !zero(int(r), min(len(data), (int(r)/crypto.BlockSize+1)*crypto.BlockSize)):
		m.t.Fatalf("SEEK_HOLE from %d reports a hole at %d with data in its block", off, r)
	}
}

// pickHandle returns a random handle, a writable one if write is set,
// or nil if there is none.
func (m *model) pickHandle(write bool) *modelHandle {
	for tries := 0; tries < 8; tries++ {
		h := m.handles[m.r.Intn(len(m.handles))]
		if h.write || !write {
			return h
		}
	}
	return nil
}

// checkBacking checks the size of the backing file: always exactly the
// ciphertext size of the plaintext, so no stray fragment or stub.
func (m *model) checkBacking(mf *modelFile, what string) {
	var st unix.Stat_t
	must(m.t, unix.Stat(mf.backing, &st))
	if want := m.v.Content().CipherSize(uint64(len(mf.data))); uint64(st.Size) != want {
		m.t.Fatalf("after %s: backing size %d, want %d (plaintext %d)", what, st.Size, want, len(mf.data))
	}
}

// compareAll reads every file through f and compares it with the model.
func (m *model) compareAll(f *fs.FS) {
	for _, p := range m.paths {
		got, err := tryReadFile(f, p)
		if err != nil {
			m.t.Fatalf("read %q: %v", p, err)
		}
		if want := m.files[p].data; !bytes.Equal(got, want) {
			m.t.Fatalf("%q: content differs from model (len %d, want %d)", p, len(got), len(want))
		}
	}
}

// TestReadAtEmptyBuffer checks io.ReaderAt's contract for len(p) == 0.
func TestReadAtEmptyBuffer(t *testing.T) {
	v := newVault(t, variants[0].opts)
	writeFile(t, v.FS, "f", []byte("hello"))
	f, err := v.Open("f", unix.O_RDONLY)
	must(t, err)
	defer f.Close()
	if n, err := f.ReadAt(nil, 2); n != 0 || err != nil {
		t.Errorf("ReadAt(nil, 2) = %d, %v; want 0, nil", n, err)
	}
	if n, err := f.ReadAt(make([]byte, 3), 5); n != 0 || err != io.EOF {
		t.Errorf("ReadAt at EOF = %d, %v; want 0, io.EOF", n, err)
	}
	if _, err := f.ReadAt(make([]byte, 1), -1); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("ReadAt at -1: %v, want an error", err)
	}
}
