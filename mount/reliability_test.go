package mount_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// Damage and exhaustion of the backing directory, seen through a mount.

// TestCorruptBlock flips a byte in one ciphertext block: reading that
// block fails with EIO and is logged once with the plaintext path and the
// block; every other block still reads.
func TestCorruptBlock(t *testing.T) {
	rec := fstest.NewLogRecorder(t)
	log := slog.New(rec)
	dir := t.TempDir()
	fsys := newVaultAt(t, dir, crypto.AESGCM, fs.Options{Logger: log})
	mnt := mountFS(t, fsys, mount.Options{Logger: log})
	must(t, os.Mkdir(filepath.Join(mnt, "docs"), 0o755))
	p := filepath.Join(mnt, "docs", "report.bin")
	data := make([]byte, 6*bs+123)
	for i := range data {
		data[i] = byte(i / bs)
	}
	must(t, os.WriteFile(p, data, 0o644))

	cp, err := fsys.CipherPath("docs/report.bin")
	must(t, err)
	back, err := os.OpenFile(filepath.Join(dir, cp), os.O_RDWR, 0)
	must(t, err)
	off := fsys.Content().BlockOffset(2) + 40
	b := []byte{0}
	_, err = back.ReadAt(b, off)
	must(t, err)
	b[0] ^= 0x20
	_, err = back.WriteAt(b, off)
	must(t, err)
	must(t, back.Close())

	// O_DIRECT: each read goes to the daemon as it is.
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_DIRECT, 0)
	must(t, err)
	defer f.Close()
	buf, err := unix.Mmap(-1, 0, 2*bs, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	must(t, err)
	defer unix.Munmap(buf)
	if _, err := f.ReadAt(buf[:bs], 2*bs); !errors.Is(err, unix.EIO) {
		t.Errorf("read of the damaged block: %v, want EIO", err)
	}
	lines := rec.Lines("report.bin", "block 2")
	if len(lines) != 1 || !strings.Contains(lines[0], "docs/report.bin") {
		t.Errorf("log lines naming the path and block: %q, want one", lines)
	}
	if all := rec.Errors(); len(all) != 1 {
		t.Errorf("error lines: %q", all)
	}
	for _, blk := range []int64{0, 1, 3, 4, 5, 6} {
		n, err := f.ReadAt(buf[:bs], blk*bs)
		if (err != nil && err != io.EOF) || !bytes.Equal(buf[:n], data[blk*bs:min(int(blk+1)*bs, len(data))]) {
			t.Errorf("direct read of intact block %d: %d %v", blk, n, err)
		}
	}
	// A read that spans the damage fails as a whole.
	if _, err := f.ReadAt(buf[:2*bs], 1*bs); !errors.Is(err, unix.EIO) {
		t.Errorf("read across the damaged block: %v, want EIO", err)
	}
	// Buffered reads (readahead may include the damaged block) still
	// return the intact blocks.
	g, err := os.Open(p)
	must(t, err)
	defer g.Close()
	for _, blk := range []int64{0, 1, 3, 6} {
		got := make([]byte, bs)
		n, err := g.ReadAt(got, blk*bs)
		if (err != nil && err != io.EOF) || !bytes.Equal(got[:n], data[blk*bs:min(int(blk+1)*bs, len(data))]) {
			t.Errorf("buffered read of intact block %d: %d %v", blk, n, err)
		}
	}
	if _, err := os.ReadFile(p); !errors.Is(err, unix.EIO) {
		t.Errorf("reading the whole file: %v, want EIO", err)
	}
	// The file stays usable: overwriting the damaged block repairs it.
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	must(t, err)
	_, err = w.WriteAt(data[2*bs:3*bs], 2*bs)
	must(t, err)
	must(t, w.Close())
	if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, data) {
		t.Errorf("after rewriting the damaged block: %v", err)
	}
}

// TestUndecryptableName puts a backing entry whose name does not decrypt
// next to good ones: the listing succeeds without it, and it is logged.
func TestUndecryptableName(t *testing.T) {
	rec := fstest.NewLogRecorder(t)
	log := slog.New(rec)
	dir := t.TempDir()
	fsys := newVaultAt(t, dir, crypto.XChaCha20Poly1305, fs.Options{Logger: log})
	mnt := mountFS(t, fsys, mount.Options{Logger: log})
	must(t, os.Mkdir(filepath.Join(mnt, "sub"), 0o755))
	for _, n := range []string{"good1", "sub/good2"} {
		must(t, os.WriteFile(filepath.Join(mnt, n), []byte(n), 0o644))
	}
	sub, err := fsys.CipherPath("sub")
	must(t, err)
	bad := []string{
		filepath.Join(dir, "AAAAAAAAAAAAAAAAAAAAA"),            // 15 bytes: never a name (16 could decrypt by chance)
		filepath.Join(dir, sub, "not-base64!"),                 // not even base64
		filepath.Join(dir, sub, "gocryptfs.longname.ZZZZZZZZ"), // long name without .name
	}
	for _, b := range bad {
		must(t, os.WriteFile(b, []byte("junk"), 0o644))
	}
	if got := listDir(t, mnt); got != "good1,sub" {
		t.Errorf("root listing: %q", got)
	}
	if got := listDir(t, filepath.Join(mnt, "sub")); got != "good2" {
		t.Errorf("sub listing: %q", got)
	}
	needTools(t, "ls")
	if out := run(t, mnt, nil, "ls", "-la", ".", "sub"); strings.Contains(out, "AAAA") || strings.Contains(out, "ZZZZ") {
		t.Errorf("ls shows a bad name:\n%s", out)
	}
	for _, b := range bad {
		if lines := rec.Lines(filepath.Base(b)); len(lines) == 0 {
			t.Errorf("no log line names %s", filepath.Base(b))
		}
	}
	// The good files still read.
	if got := readString(t, filepath.Join(mnt, "sub", "good2")); got != "sub/good2" {
		t.Errorf("good file: %q", got)
	}
}

// TestOutOfSpace fills a small cipherdir: the writer gets ENOSPC, the
// file keeps exactly what was reported written, and space freed later
// can be used again.
func TestOutOfSpace(t *testing.T) {
	dir := tmpfsDir(t, "4m")
	fsys := newVaultAt(t, dir, crypto.AESGCM, fs.Options{})
	mnt := mountFS(t, fsys, mount.Options{})
	p := filepath.Join(mnt, "big")
	chunk := make([]byte, 300<<10)
	for i := range chunk {
		chunk[i] = byte(i*13 + i>>12)
	}
	f, err := os.Create(p)
	must(t, err)
	var written int64
	for {
		n, err := f.Write(chunk)
		written += int64(n)
		if err != nil {
			if !errors.Is(err, unix.ENOSPC) {
				t.Fatalf("write after %d bytes: %v, want ENOSPC", written, err)
			}
			break
		}
		if written > 8<<20 {
			t.Fatal("no ENOSPC on a 4 MiB tmpfs")
		}
	}
	t.Logf("ENOSPC after %d bytes", written)
	if written < 3<<20 {
		t.Errorf("only %d bytes fit in 4 MiB", written)
	}
	if err := f.Sync(); err != nil {
		t.Errorf("fsync after ENOSPC: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("close after ENOSPC: %v", err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read back after ENOSPC: %v", err)
	}
	if int64(len(got)) != written {
		t.Errorf("size %d, but %d bytes were reported written", len(got), written)
	}
	for off := 0; off < len(got); off += len(chunk) {
		end := min(off+len(chunk), len(got))
		if !bytes.Equal(got[off:end], chunk[:end-off]) {
			t.Fatalf("content differs in the chunk at %d", off)
		}
	}
	// A new directory and a long name need space too; they fail cleanly.
	if err := os.Mkdir(filepath.Join(mnt, "newdir"), 0o755); err != nil && !errors.Is(err, unix.ENOSPC) {
		t.Errorf("mkdir on a full disk: %v", err)
	}
	long := strings.Repeat("n", 220)
	if err := os.WriteFile(filepath.Join(mnt, long), []byte("x"), 0o644); err != nil && !errors.Is(err, unix.ENOSPC) {
		t.Errorf("long name on a full disk: %v", err)
	}
	ents, err := os.ReadDir(mnt)
	if err != nil {
		t.Fatalf("listing on a full disk: %v", err)
	}
	for _, e := range ents {
		if e.Name() == "newdir" {
			if _, err := os.ReadDir(filepath.Join(mnt, "newdir")); err != nil {
				t.Errorf("half-made directory: %v", err)
			}
		}
	}
	// Free space and write again.
	must(t, os.Truncate(p, 1<<20))
	must(t, os.WriteFile(filepath.Join(mnt, "after"), chunk, 0o644))
	if got, err := os.ReadFile(filepath.Join(mnt, "after")); err != nil || !bytes.Equal(got, chunk) {
		t.Errorf("write after freeing space: %v", err)
	}
	if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, bytesOf(chunk, 1<<20)) {
		t.Errorf("truncated file: %v", err)
	}
}

// bytesOf repeats chunk to n bytes.
func bytesOf(chunk []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, chunk[:min(len(chunk), n-len(out))]...)
	}
	return out
}

// TestGoneMountClosesBackingFiles: when the mount goes away while a file
// is open (here: the connection is aborted through fusectl; in practice
// also a RELEASE still queued at unmount), the kernel never sends the
// release. Wait must still close the backing file, or the backing file
// system stays busy.
func TestGoneMountClosesBackingFiles(t *testing.T) {
	canMount(t)
	conns := "/sys/fs/fuse/connections"
	if ents, _ := os.ReadDir(conns); len(ents) == 0 {
		if err := unix.Mount("fusectl", conns, "fusectl", 0, ""); err != nil && err != unix.EBUSY {
			t.Fatalf("mount fusectl: %v", err)
		}
	}
	dir := tmpfsDir(t, "8m")
	fsys := newVaultAt(t, dir, crypto.AESGCM, fs.Options{})
	mnt := t.TempDir()
	srv, err := mount.Mount(fsys, mnt, mount.Options{})
	must(t, err)
	defer unix.Unmount(mnt, unix.MNT_DETACH)
	f, err := os.Create(filepath.Join(mnt, "open-at-abort"))
	must(t, err)
	defer f.Close()
	_, err = f.Write([]byte("data"))
	must(t, err)
	var st unix.Stat_t
	must(t, unix.Stat(mnt, &st))
	abort := filepath.Join(conns, fmt.Sprint(unix.Minor(st.Dev)), "abort")
	must(t, os.WriteFile(abort, []byte("1"), 0o200))
	srv.Wait()
	if n := fsys.OpenFiles(); n != 0 {
		t.Errorf("%d files open in fs after the mount is gone", n)
	}
	fsys.Close()
	if open := fdsUnder(dir); len(open) != 0 {
		t.Errorf("backing files still open: %q", open)
	}
}
