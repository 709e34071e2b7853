package fs_test

import (
	"bytes"
	"errors"
	"math/rand"
	"os/signal"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
)

// Write-behind (fs/file_behind.go): large appends are written by a
// goroutine after WriteAt returned. These tests check that nothing can
// observe the gap and that a deferred write's error is never lost.

// TestWriteBehindVisible appends large writes through one handle and,
// after each, reads, stats and extends the file through others.
func TestWriteBehindVisible(t *testing.T) {
	v := newVault(t, fs.Options{NoSync: true})
	r := rand.New(rand.NewSource(3))
	w, err := v.Create("f", unix.O_RDWR, 0o644, nil)
	must(t, err)
	defer w.Close()
	rd, err := v.Open("f", unix.O_RDONLY)
	must(t, err)
	defer rd.Close()
	var want []byte
	for i := 0; i < 40; i++ {
		p := make([]byte, (16+r.Intn(75))*crypto.BlockSize) // whole blocks: deferred while the file ends on a block boundary
		r.Read(p)
		if _, err := w.WriteAt(p, int64(len(want))); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		want = append(want, p...)
		switch i % 4 {
		case 0: // read the tail back through the other handle
			got := make([]byte, len(p))
			if n, err := rd.ReadAt(got, int64(len(want)-len(p))); n != len(p) || !bytes.Equal(got, p) {
				t.Fatalf("write %d: read back %d bytes (%v), equal %v", i, n, err, bytes.Equal(got, p))
			}
		case 1: // the size through the path and through a handle
			// fsck's raw view through the same FS sees the written blocks.
			if cs, err := rd.CipherSize(); err != nil || uint64(cs) != v.Content().CipherSize(uint64(len(want))) {
				t.Fatalf("write %d: CipherSize %d, %v, want %d", i, cs, err, v.Content().CipherSize(uint64(len(want))))
			}
			st, err := v.Stat("f")
			must(t, err)
			st2, err := rd.Stat()
			must(t, err)
			if st.Size != int64(len(want)) || st2.Size != int64(len(want)) {
				t.Fatalf("write %d: size %d / %d, want %d", i, st.Size, st2.Size, len(want))
			}
		case 2: // another handle writes right behind
			o, err := v.Open("f", unix.O_WRONLY|unix.O_APPEND)
			must(t, err)
			if _, err := o.WriteAt([]byte("tail"), 0); err != nil {
				t.Fatal(err)
			}
			must(t, o.Close())
			want = append(want, "tail"...)
		case 3: // truncate to a block boundary through the other handle
			o, err := v.Open("f", unix.O_RDWR)
			must(t, err)
			cut := len(want) / crypto.BlockSize * crypto.BlockSize
			must(t, o.Truncate(uint64(cut)))
			must(t, o.Close())
			want = want[:cut]
		}
	}
	must(t, w.Sync())
	var st unix.Stat_t
	must(t, unix.Stat(v.backing(t, "f"), &st))
	if c := v.Content().CipherSize(uint64(len(want))); uint64(st.Size) != c {
		t.Fatalf("backing size after fsync %d, want %d", st.Size, c)
	}
	if got := readFile(t, v.open(t), "f"); !bytes.Equal(got, want) {
		t.Fatalf("content through a fresh FS differs (len %d, want %d)", len(got), len(want))
	}
}

// TestWriteBehindModel runs random large and small writes, reads,
// truncates, stats and syncs over two handles against a []byte.
func TestWriteBehindModel(t *testing.T) {
	v := newVault(t, fs.Options{NoSync: true})
	r := rand.New(rand.NewSource(11))
	pool := make([]byte, 1<<20)
	r.Read(pool)
	var hs [2]*fs.File
	for i := range hs {
		f, err := v.Create("m", unix.O_RDWR, 0o644, nil)
		must(t, err)
		hs[i] = f
	}
	var want []byte
	ops := 3000
	if testing.Short() {
		ops = 500
	}
	for i := 0; i < ops; i++ {
		h := hs[r.Intn(2)]
		switch x := r.Intn(100); {
		case x < 45: // append, mostly large
			n := r.Intn(4096)
			if r.Intn(3) > 0 {
				n = 64<<10 + r.Intn(400<<10)
			}
			off := len(want)
			if r.Intn(5) == 0 && off > 0 {
				off = r.Intn(off)
			}
			s := r.Intn(len(pool) - n)
			if _, err := h.WriteAt(pool[s:s+n], int64(off)); err != nil {
				t.Fatalf("op %d: write %d at %d: %v", i, n, off, err)
			}
			if end := off + n; end > len(want) {
				want = append(want, make([]byte, end-len(want))...)
			}
			copy(want[off:], pool[s:s+n])
		case x < 70:
			off := r.Intn(len(want) + 1)
			n := r.Intn(len(want) - off + 1)
			got := make([]byte, n)
			if m, err := h.ReadAt(got, int64(off)); m != n || !bytes.Equal(got, want[off:off+n]) {
				t.Fatalf("op %d: read %d at %d: %d, %v, equal %v", i, n, off, m, err, bytes.Equal(got, want[off:off+n]))
			}
		case x < 78:
			size := r.Intn(len(want) + 1)
			if len(want) > 8<<20 || r.Intn(4) == 0 {
				size = r.Intn(size + 1)
			}
			must(t, h.Truncate(uint64(size)))
			want = append(want[:min(size, len(want))], make([]byte, max(0, size-len(want)))...)
		case x < 90:
			st, err := v.Stat("m")
			must(t, err)
			if st.Size != int64(len(want)) {
				t.Fatalf("op %d: size %d, want %d", i, st.Size, len(want))
			}
		default:
			must(t, h.Sync())
			var st unix.Stat_t
			must(t, unix.Stat(v.backing(t, "m"), &st))
			if c := v.Content().CipherSize(uint64(len(want))); uint64(st.Size) != c {
				t.Fatalf("op %d: backing size after fsync %d, want %d", i, st.Size, c)
			}
		}
	}
	for _, h := range hs {
		must(t, h.Close())
	}
	if got := readFile(t, v.open(t), "m"); !bytes.Equal(got, want) {
		t.Fatalf("content through a fresh FS differs (len %d, want %d)", len(got), len(want))
	}
}

// TestWriteBehindFullDisk appends large writes until a 2 MiB disk is
// full: the space is reserved before a write is deferred, so the write
// that does not fit fails itself, and every acknowledged byte is kept.
// An error the close reports instead would also be accepted, never none.
func TestWriteBehindFullDisk(t *testing.T) {
	v := newVaultIn(t, smallDisk(t), fs.Options{NoSync: true})
	f, err := v.Create("f", unix.O_RDWR, 0o644, nil)
	must(t, err)
	r := rand.New(rand.NewSource(5))
	var acked []byte
	for {
		p := make([]byte, 200<<10)
		r.Read(p)
		if _, err = f.WriteAt(p, int64(len(acked))); err != nil {
			break
		}
		acked = append(acked, p...)
	}
	wantENOSPC(t, err, "append until the disk is full")
	must(t, f.Close())
	m := &fileModel{t: t, path: "f", data: acked}
	m.check(v, v.FS, "after ENOSPC and close")
	m.check(v, v.open(t), "through a fresh FS")
}

// withFileSizeLimit makes writes of this process past limit bytes of a
// file fail with EFBIG (RLIMIT_FSIZE, SIGXFSZ ignored) while fn runs. A
// reservation with FALLOC_FL_KEEP_SIZE is not limited, so the deferred
// write itself fails: the error a writer must learn later.
func withFileSizeLimit(t *testing.T, limit uint64, fn func()) {
	var old unix.Rlimit
	must(t, unix.Getrlimit(unix.RLIMIT_FSIZE, &old))
	signal.Ignore(unix.SIGXFSZ)
	defer signal.Reset(unix.SIGXFSZ)
	must(t, unix.Setrlimit(unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: limit, Max: old.Max}))
	defer func() { must(t, unix.Setrlimit(unix.RLIMIT_FSIZE, &old)) }()
	fn()
}

// TestWriteBehindLateError makes a deferred write fail and checks that
// the next write, fsync, flush or close of the handle reports it, once,
// and that the file is left as it was before the failed write.
func TestWriteBehindLateError(t *testing.T) {
	for _, how := range []string{"write", "fsync", "fdatasync", "flush", "close"} {
		t.Run(how, func(t *testing.T) {
			v := newVaultIn(t, fstest.NoTmpfsDir(t), fs.Options{NoSync: true})
			f, err := v.Create("f", unix.O_RDWR, 0o644, nil)
			must(t, err)
			defer f.Close()
			first := bytes.Repeat([]byte("a"), 256<<10)
			next := bytes.Repeat([]byte("b"), 256<<10)
			must(t, second(f.WriteAt(first, 0)))
			var late error
			withFileSizeLimit(t, 400<<10, func() {
				// Deferred: succeeds now, fails in the background.
				if _, err := f.WriteAt(next, int64(len(first))); err != nil {
					t.Fatalf("the failing write was not deferred: %v", err)
				}
				switch how {
				case "write":
					_, late = f.WriteAt([]byte("c"), int64(len(first)+len(next)))
				case "fsync":
					late = f.Sync()
				case "fdatasync":
					late = f.Datasync()
				case "flush":
					late = f.Flush()
				case "close":
					late = f.Close()
				}
			})
			if !errors.Is(late, unix.EFBIG) {
				t.Fatalf("%s after a failed deferred write: %v, want EFBIG", how, late)
			}
			if how != "close" {
				must(t, f.Flush()) // reported once
				must(t, f.Close())
			}
			m := &fileModel{t: t, path: "f", data: first}
			m.check(v, v.FS, "after the failed deferred write")
		})
	}
}
