package fs_test

import (
	"io"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/fs"
)

// Sequential 128 KiB writes and reads (the FUSE max_write/max_read size)
// on a file in t.TempDir, per content algorithm.

const benchChunk = 128 << 10

// benchFileSize bounds the file so a long run rewrites it instead of
// filling the disk.
const benchFileSize = 64 << 20

func benchVault(b *testing.B, v variant) *fs.File {
	opts := v.opts
	opts.NoSync = true
	vl := newVault(b, opts)
	f, err := vl.Create("bench", unix.O_RDWR, 0o644, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

func BenchmarkWriteAt(b *testing.B) {
	for _, v := range variants[:2] {
		b.Run(v.name, func(b *testing.B) {
			f := benchVault(b, v)
			buf := randBytes(1, benchChunk)
			b.SetBytes(benchChunk)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				off := int64(i) * benchChunk % benchFileSize
				if _, err := f.WriteAt(buf, off); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReadAt(b *testing.B) {
	for _, v := range variants[:2] {
		b.Run(v.name, func(b *testing.B) {
			f := benchVault(b, v)
			const size = 16 << 20
			buf := randBytes(1, benchChunk)
			for off := int64(0); off < size; off += benchChunk {
				if _, err := f.WriteAt(buf, off); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(benchChunk)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				off := int64(i) * benchChunk % size
				if n, err := f.ReadAt(buf, off); n != benchChunk || (err != nil && err != io.EOF) {
					b.Fatalf("ReadAt: %d, %v", n, err)
				}
			}
		})
	}
}
