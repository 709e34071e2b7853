package fs

import (
	"runtime"
	"sync"
)

// Block work on large requests: buffers are pooled (a 1 MiB FUSE request
// would otherwise allocate and fault in fresh memory twice per call), and
// the blocks of one request are sealed or opened on all cores.

const (
	// parallelMin is the number of blocks from which a request is split
	// across goroutines; below it the hand-off costs more than it saves.
	parallelMin = 16
	// maxPooled is the largest buffer kept for reuse.
	maxPooled = 2 << 20
)

// bufPool holds *[]byte scratch buffers.
type bufPool struct{ p sync.Pool }

// get returns a buffer of length n, reused when one is available.
func (bp *bufPool) get(n int) *[]byte {
	if v, ok := bp.p.Get().(*[]byte); ok && cap(*v) >= n {
		*v = (*v)[:n]
		return v
	}
	b := make([]byte, n)
	return &b
}

// put returns a buffer for reuse.
func (bp *bufPool) put(b *[]byte) {
	if cap(*b) <= maxPooled {
		bp.p.Put(b)
	}
}

// forBlocks runs fn over the block indexes [0, count), split into one
// contiguous range per core when count is large, and returns the first
// error.
func forBlocks(count int, fn func(lo, hi int) error) error {
	workers := min(runtime.GOMAXPROCS(0), runtime.NumCPU(), count/(parallelMin/2))
	if count < parallelMin || workers < 2 {
		return fn(0, count)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	step := (count + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*step, min((w+1)*step, count)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = fn(lo, hi)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
