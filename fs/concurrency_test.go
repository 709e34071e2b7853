package fs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
)

// Concurrency tests: several goroutines on one file through different
// handles. Run them with -race.

const bs = crypto.BlockSize

func concurrencyOps() int {
	if testing.Short() {
		return 60
	}
	return 300
}

// forEachAlgorithm runs fn for both content algorithms.
func forEachAlgorithm(t *testing.T, fn func(t *testing.T, v variant)) {
	for _, v := range variants[:2] {
		t.Run(v.name, func(t *testing.T) { fn(t, v) })
	}
}

// openHandles opens path once per flag set.
func openHandles(t *testing.T, f *fs.FS, path string, flags ...int) []*fs.File {
	t.Helper()
	var hs []*fs.File
	for _, fl := range flags {
		h, err := f.Open(path, fl)
		must(t, err)
		t.Cleanup(func() { h.Close() })
		hs = append(hs, h)
	}
	return hs
}

// runAll runs the functions in goroutines and reports their errors.
func runAll(t *testing.T, fns ...func() error) {
	t.Helper()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = fn() }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
}

// TestConcurrentDisjointWrites has writers on unaligned, adjacent
// regions of a growing file: neighbouring regions share blocks, so a
// lost read-modify-write update or a racing pad of the last block shows
// up in the final content.
func TestConcurrentDisjointWrites(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		writeFile(t, v.FS, "f", nil)
		const writers, region = 4, 3*bs + 1000
		hs := openHandles(t, v.FS, "f", unix.O_RDWR, unix.O_WRONLY, unix.O_RDWR, unix.O_WRONLY, unix.O_RDONLY)
		models := make([][]byte, writers)
		ends := make([]int, writers)
		var fns []func() error
		for w := 0; w < writers; w++ {
			models[w] = make([]byte, region)
			fns = append(fns, func() error {
				r := rand.New(rand.NewSource(int64(w)))
				for i := 0; i < concurrencyOps(); i++ {
					off := r.Intn(region)
					p := make([]byte, r.Intn(region-off)+1)
					r.Read(p)
					if _, err := hs[w].WriteAt(p, int64(w*region+off)); err != nil {
						return err
					}
					copy(models[w][off:], p)
					ends[w] = max(ends[w], w*region+off+len(p))
				}
				return nil
			})
		}
		fns = append(fns, func() error { // a reader that must never see an error
			r := rand.New(rand.NewSource(99))
			buf := make([]byte, 3*bs)
			for i := 0; i < concurrencyOps(); i++ {
				if _, err := hs[4].ReadAt(buf[:r.Intn(len(buf))+1], int64(r.Intn(writers*region))); err != nil && err != io.EOF {
					return err
				}
			}
			return nil
		})
		runAll(t, fns...)
		want := bytes.Join(models, nil)
		end := 0
		for _, e := range ends {
			end = max(end, e)
		}
		if got := readFile(t, v.FS, "f"); !bytes.Equal(got, want[:end]) {
			t.Fatalf("content differs after concurrent disjoint writes (len %d, want %d)", len(got), end)
		}
		if got := readFile(t, v.open(t), "f"); !bytes.Equal(got, want[:end]) {
			t.Fatal("content differs through a fresh FS")
		}
	})
}

// patternBlock fills b (one block) with a self-checking pattern: an
// 8-byte tag (writer, sequence, block index) repeated.
func patternBlock(b []byte, writer, seq, idx int) {
	var tag [8]byte
	binary.BigEndian.PutUint16(tag[0:], uint16(writer+1))
	binary.BigEndian.PutUint16(tag[2:], uint16(seq))
	binary.BigEndian.PutUint32(tag[4:], uint32(idx))
	for i := 0; i < len(b); i += len(tag) {
		copy(b[i:], tag[:])
	}
}

// checkBlock reports whether b is block idx as some single write left
// it: all zeros (hole or never written) or one writer's full pattern.
func checkBlock(b []byte, idx int) error {
	if len(b) != bs {
		return fmt.Errorf("block %d has %d bytes", idx, len(b))
	}
	var zero [8]byte
	tag := b[:8]
	if !bytes.Equal(tag, zero[:]) && binary.BigEndian.Uint32(tag[4:]) != uint32(idx) {
		return fmt.Errorf("block %d carries the tag of block %d", idx, binary.BigEndian.Uint32(tag[4:]))
	}
	for i := 8; i < bs; i += 8 {
		if !bytes.Equal(b[i:i+8], tag) {
			return fmt.Errorf("torn block %d: bytes at %d differ from its first 8 bytes", idx, i)
		}
	}
	return nil
}

// TestConcurrentOverlappingAligned has writers overwrite shared blocks
// with block-aligned multi-block writes, a truncater shrink and grow the
// file at block boundaries, and readers check every block they see is
// whole: either all zeros or exactly one write's pattern.
func TestConcurrentOverlappingAligned(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		writeFile(t, v.FS, "f", nil)
		const nblocks = 24
		hs := openHandles(t, v.FS, "f", unix.O_RDWR, unix.O_WRONLY, unix.O_RDWR, unix.O_RDONLY, unix.O_RDWR, unix.O_RDWR)
		var fns []func() error
		for w := 0; w < 3; w++ {
			fns = append(fns, func() error {
				r := rand.New(rand.NewSource(int64(w)))
				for seq := 0; seq < concurrencyOps(); seq++ {
					first, n := r.Intn(nblocks), r.Intn(3)+1
					p := make([]byte, n*bs)
					for i := 0; i < n; i++ {
						patternBlock(p[i*bs:(i+1)*bs], w, seq, first+i)
					}
					if _, err := hs[w].WriteAt(p, int64(first*bs)); err != nil {
						return err
					}
				}
				return nil
			})
		}
		for rd := 3; rd < 5; rd++ {
			fns = append(fns, func() error {
				r := rand.New(rand.NewSource(int64(rd)))
				buf := make([]byte, 4*bs)
				for i := 0; i < 2*concurrencyOps(); i++ {
					first := r.Intn(nblocks + 2)
					n, err := hs[rd].ReadAt(buf[:(r.Intn(4)+1)*bs], int64(first*bs))
					if err != nil && err != io.EOF {
						return err
					}
					if n%bs != 0 {
						return fmt.Errorf("read of whole blocks returned %d bytes", n)
					}
					for j := 0; j < n/bs; j++ {
						if err := checkBlock(buf[j*bs:(j+1)*bs], first+j); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}
		fns = append(fns, func() error { // the truncater
			r := rand.New(rand.NewSource(5))
			for i := 0; i < concurrencyOps()/3; i++ {
				if err := hs[5].Truncate(uint64(r.Intn(nblocks+4) * bs)); err != nil {
					return err
				}
				if st, err := hs[5].Stat(); err != nil || st.Size%bs != 0 {
					return fmt.Errorf("stat: size %d, %v", st.Size, err)
				}
			}
			return hs[5].Sync()
		})
		runAll(t, fns...)
		data := readFile(t, v.open(t), "f")
		if len(data)%bs != 0 {
			t.Fatalf("final size %d is not whole blocks", len(data))
		}
		for i := 0; i < len(data)/bs; i++ {
			if err := checkBlock(data[i*bs:(i+1)*bs], i); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestConcurrentAppend has O_APPEND writers add fixed-size records: each
// must land exactly once and whole, and the size must be their sum.
func TestConcurrentAppend(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		writeFile(t, v.FS, "log", nil)
		const writers, rec = 4, 1000 // records straddle block boundaries
		hs := openHandles(t, v.FS, "log", unix.O_WRONLY|unix.O_APPEND, unix.O_RDWR|unix.O_APPEND, unix.O_WRONLY|unix.O_APPEND, unix.O_RDWR|unix.O_APPEND)
		var fns []func() error
		for w := 0; w < writers; w++ {
			fns = append(fns, func() error {
				p := make([]byte, rec)
				for seq := 0; seq < concurrencyOps(); seq++ {
					patternBlock(p, w, seq, 0)
					if n, err := hs[w].WriteAt(p, 0); err != nil || n != rec {
						return fmt.Errorf("append: %d, %v", n, err)
					}
				}
				return nil
			})
		}
		runAll(t, fns...)
		data := readFile(t, v.FS, "log")
		if len(data) != writers*concurrencyOps()*rec {
			t.Fatalf("size %d, want %d", len(data), writers*concurrencyOps()*rec)
		}
		next := make([]int, writers) // each writer's records appear in order
		for off := 0; off < len(data); off += rec {
			w := int(binary.BigEndian.Uint16(data[off:])) - 1
			if w < 0 || w >= writers {
				t.Fatalf("record at %d has writer %d", off, w)
			}
			want := make([]byte, rec)
			patternBlock(want, w, next[w], 0)
			if !bytes.Equal(data[off:off+rec], want) {
				t.Fatalf("record at %d is torn or out of order (writer %d, want seq %d)", off, w, next[w])
			}
			next[w]++
		}
	})
}

// TestConcurrentNamespace runs creates, renames, unlinks and listings in
// one directory from several goroutines; afterwards the directory must
// list exactly the files that exist and every backing entry decrypts.
func TestConcurrentNamespace(t *testing.T) {
	forEachVariant(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		must(t, v.Mkdir("d", 0o755, nil))
		var fns []func() error
		for w := 0; w < 3; w++ {
			fns = append(fns, func() error {
				r := rand.New(rand.NewSource(int64(w)))
				for i := 0; i < concurrencyOps()/3; i++ {
					name := fmt.Sprintf("d/%s-%d", bytes.Repeat([]byte{'a' + byte(w)}, 1+r.Intn(120)), r.Intn(8))
					var err error
					switch r.Intn(6) {
					case 4:
						err = v.Mkdir(name+"d", 0o755, nil)
					case 5:
						err = v.Rmdir(name + "d")
					case 0, 1:
						var f *fs.File
						if f, err = v.Create(name, unix.O_RDWR, 0o600, nil); err == nil {
							_, err = f.WriteAt([]byte(name), 0)
							f.Close()
						}
					case 2:
						err = v.Rename(name, name+"r", 0)
					case 3:
						err = v.Unlink(name)
					}
					if err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EEXIST) {
						return err
					}
					if _, bad, err := v.Inspect().ReadDirBad("d"); err != nil || len(bad) > 0 {
						return fmt.Errorf("listing: %v, bad names %v", err, bad)
					}
				}
				return nil
			})
		}
		runAll(t, fns...)
		checkBackingClean(t, v)
		for _, n := range names(t, v.FS, "d") {
			if _, err := v.Stat("d/" + n); err != nil {
				t.Errorf("listed %q does not stat: %v", n, err)
			}
		}
	})
}

// TestConcurrentReplacedDirs replaces a directory again and again while
// other goroutines look up paths in it. A create that starts after the
// replacement finished must land in the new directory: a fresh FS (with
// nothing cached) must find it under the same path.
func TestConcurrentReplacedDirs(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		must(t, v.Mkdir("dir", 0o755, nil))
		must(t, v.Mkdir("dir/sub", 0o755, nil))
		var mu sync.Mutex // serializes replacing with create-and-check
		done := make(chan struct{})
		lookups := func() error {
			for {
				select {
				case <-done:
					return nil
				default:
				}
				v.Stat("dir/sub/x")
				v.ReadDir("dir/sub")
				v.ReadDir("dir")
			}
		}
		work := func() error {
			defer close(done)
			for i := 0; i < concurrencyOps()/3; i++ {
				mu.Lock()
				err := v.Rename("dir", fmt.Sprint("old", i), 0)
				if err == nil {
					err = v.Mkdir("dir", 0o755, nil)
				}
				if err == nil {
					err = v.Mkdir("dir/sub", 0o755, nil)
				}
				var f *fs.File
				if err == nil {
					f, err = v.Create(fmt.Sprint("dir/sub/f", i), unix.O_RDWR, 0o644, nil)
				}
				if err == nil {
					f.Close()
					fresh, ferr := fs.New(v.dir, v.key, v.opts)
					if ferr != nil {
						return ferr
					}
					_, err = fresh.Stat(fmt.Sprint("dir/sub/f", i))
					fresh.Close()
				}
				mu.Unlock()
				if err != nil {
					return fmt.Errorf("round %d: %w", i, err)
				}
			}
			return nil
		}
		runAll(t, work, lookups)
	})
}

// TestConcurrentStat stats a file by path and by handle while another
// goroutine shrinks and grows it: only sizes the file actually had may
// be seen, never an intermediate one.
func TestConcurrentStat(t *testing.T) {
	v := newVault(t, variants[0].opts)
	writeFile(t, v.FS, "f", make([]byte, 10000))
	hs := openHandles(t, v.FS, "f", unix.O_RDWR, unix.O_RDONLY)
	done := make(chan struct{})
	check := func(size int64, err error) error {
		if err != nil || (size != 9000 && size != 10000) {
			return fmt.Errorf("size %d, %v", size, err)
		}
		return nil
	}
	runAll(t, func() error {
		defer close(done)
		for i := 0; i < 3*concurrencyOps(); i++ {
			if err := hs[0].Truncate(uint64(9000 + 1000*(i%2))); err != nil {
				return err
			}
		}
		return nil
	}, func() error {
		for {
			select {
			case <-done:
				return nil
			default:
			}
			st, err := v.Stat("f")
			if err := check(st.Size, err); err != nil {
				return fmt.Errorf("FS.Stat: %w", err)
			}
			st, err = hs[1].Stat()
			if err := check(st.Size, err); err != nil {
				return fmt.Errorf("File.Stat: %w", err)
			}
		}
	})
}

// TestConcurrentCreateSameLongName creates the same long names from
// several goroutines at once (files with O_CREAT, and directories): the
// losers get EEXIST or open the winner's file, and no .name file of the
// winner may be lost.
func TestConcurrentCreateSameLongName(t *testing.T) {
	forEachVariant(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		rounds := concurrencyOps() / 10
		var fns []func() error
		for w := 0; w < 3; w++ {
			fns = append(fns, func() error {
				for i := 0; i < rounds; i++ {
					name := fmt.Sprintf("%03d-%s", i, strings.Repeat("c", 200))
					f, err := v.Create(name, unix.O_RDWR, 0o644, nil)
					if err != nil {
						return err
					}
					f.Close()
					if err := v.Mkdir(name+"-dir", 0o755, nil); err != nil && !errors.Is(err, unix.EEXIST) {
						return err
					}
				}
				return nil
			})
		}
		runAll(t, fns...)
		checkNoBadNames(t, v.FS, "")
		if got := names(t, v.FS, ""); len(got) != 2*rounds {
			t.Errorf("%d names, want %d", len(got), 2*rounds)
		}
		checkBackingClean(t, v)
	})
}
