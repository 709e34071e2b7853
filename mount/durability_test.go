package mount_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/mount"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// Durability requests must reach the backing file system. The cipherdir
// lives on a go-fuse loopback mount that counts the fsyncs it receives,
// so a request that cofferfs swallows shows as a missing count.

type fsyncSpy struct {
	dirs, files atomic.Int64
}

// spyNode is a loopback node whose directory and file handles count fsyncs.
type spyNode struct {
	*fusefs.LoopbackNode
	spy *fsyncSpy
}

// WrapChild makes the nodes LoopbackNode creates spy too.
func (n *spyNode) WrapChild(ctx context.Context, ops fusefs.InodeEmbedder) fusefs.InodeEmbedder {
	if ln, ok := ops.(*fusefs.LoopbackNode); ok {
		return &spyNode{LoopbackNode: ln, spy: n.spy}
	}
	return ops
}

type dirHandle interface {
	fusefs.FileReaddirenter
	fusefs.FileSeekdirer
	fusefs.FileReleasedirer
	fusefs.FileFsyncdirer
}

type spyDir struct {
	dirHandle
	spy *fsyncSpy
}

func (d spyDir) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno {
	d.spy.dirs.Add(1)
	return d.dirHandle.Fsyncdir(ctx, flags)
}

func (n *spyNode) OpendirHandle(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	fh, ff, errno := n.LoopbackNode.OpendirHandle(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	return spyDir{fh.(dirHandle), n.spy}, ff, 0
}

func (n *spyNode) Fsync(ctx context.Context, fh fusefs.FileHandle, flags uint32) syscall.Errno {
	n.spy.files.Add(1)
	return fh.(fusefs.FileFsyncer).Fsync(ctx, flags)
}

// spyBacking mounts a counting loopback of a new temporary directory and
// returns its mountpoint.
func spyBacking(t *testing.T) (string, *fsyncSpy) {
	t.Helper()
	canMount(t)
	under, mnt := t.TempDir(), t.TempDir()
	var st syscall.Stat_t
	must(t, syscall.Stat(under, &st))
	spy := &fsyncSpy{}
	root := &fusefs.LoopbackRoot{Path: under, Dev: uint64(st.Dev)}
	root.RootNode = &spyNode{LoopbackNode: &fusefs.LoopbackNode{RootData: root}, spy: spy}
	srv, err := fusefs.Mount(mnt, root.RootNode, &fusefs.Options{MountOptions: fusefsMountOptions()})
	must(t, err)
	t.Cleanup(func() {
		for i := 0; srv.Unmount() != nil && i < 50; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	return mnt, spy
}

func TestFsyncReachesBacking(t *testing.T) {
	backing, spy := spyBacking(t)
	fsys := newVaultAt(t, backing, crypto.AESGCM, fs.Options{})
	mnt := mountFS(t, fsys, mount.Options{})
	long := strings.Repeat("d", 200)
	must(t, os.MkdirAll(filepath.Join(mnt, "a", long), 0o755))
	must(t, os.WriteFile(filepath.Join(mnt, "a", long, "f"), []byte("data"), 0o644))
	for _, d := range []string{"", "a", "a/" + long} {
		dir, err := os.Open(filepath.Join(mnt, d))
		must(t, err)
		before := spy.dirs.Load()
		if err := dir.Sync(); err != nil {
			t.Errorf("fsync of directory %q: %v", d, err)
		}
		if spy.dirs.Load() == before {
			t.Errorf("fsync of directory %q did not reach the backing directory", d)
		}
		dir.Close()
	}
	f, err := os.OpenFile(filepath.Join(mnt, "a", long, "f"), os.O_RDWR, 0)
	must(t, err)
	defer f.Close()
	for _, sync := range []func() error{f.Sync, func() error { return unix.Fdatasync(int(f.Fd())) }} {
		before := spy.files.Load()
		must(t, sync())
		if spy.files.Load() == before {
			t.Error("fsync of a file did not reach the backing file")
		}
	}
	// A directory removed while open: fsync has nothing to do and succeeds.
	must(t, os.Mkdir(filepath.Join(mnt, "gone"), 0o755))
	g, err := os.Open(filepath.Join(mnt, "gone"))
	must(t, err)
	defer g.Close()
	must(t, os.Remove(filepath.Join(mnt, "gone")))
	if err := g.Sync(); err != nil {
		t.Errorf("fsync of a removed directory: %v", err)
	}
}

func fusefsMountOptions() fuse.MountOptions {
	return fuse.MountOptions{DirectMount: true, Name: "fsyncspy"}
}
