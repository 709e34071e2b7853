package mount

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/fs/fstest"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// blockNode is a file whose READs block until the request is interrupted
// (and then fail with EINTR) or release is closed.
type blockNode struct {
	fusefs.Inode
	entered   chan struct{} // one value per READ that started
	cancelled chan struct{} // one value per READ whose context ended
	release   chan struct{}
}

func (b *blockNode) Getattr(ctx context.Context, fh fusefs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode, out.Size = syscall.S_IFREG|0o444, 1<<20
	return 0
}

func (b *blockNode) Open(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	return nil, fuse.FOPEN_DIRECT_IO, 0 // every read reaches the daemon with its own size
}

func (b *blockNode) Read(ctx context.Context, fh fusefs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	b.entered <- struct{}{}
	select {
	case <-ctx.Done():
		b.cancelled <- struct{}{}
		return nil, syscall.EINTR
	case <-b.release:
		return fuse.ReadResultData(dest), 0
	}
}

// A READ that blocks in the file system ends when its caller is killed:
// the kernel sends an INTERRUPT, the handler's context is cancelled, its
// EINTR reply lets the caller die. Over io_uring this covers a small
// READ answered on the queue thread and a large one handed off.
func TestInterruptBlockedRead(t *testing.T) {
	if os.Geteuid() != 0 {
		fstest.SkipOrFail(t, "mount tests need root")
	}
	transport := os.Getenv("COFFERFS_TEST_TRANSPORT")
	if transport == "" {
		transport = TransportDev
	}
	for _, bs := range []string{"4096", "131072"} {
		t.Run("bs="+bs, func(t *testing.T) {
			blockedRead(t, transport, bs)
		})
	}
}

func blockedRead(t *testing.T, transport, bs string) {
	file := &blockNode{entered: make(chan struct{}, 8), cancelled: make(chan struct{}, 8), release: make(chan struct{})}
	root := &fusefs.Inode{}
	opts := &fusefs.Options{
		MountOptions: FUSEOptions(Options{}),
		OnAdd: func(ctx context.Context) {
			root.AddChild("blocker", root.NewPersistentInode(ctx, file, fusefs.StableAttr{Ino: 2}), false)
		},
	}
	mnt := t.TempDir()
	s, err := serveTransport(mnt, root, opts, transport, 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.unmount(); err != nil {
			t.Error(err)
		}
	}()
	if s.transport != transport && transport != TransportAuto {
		t.Fatalf("mounted over %s, want %s", s.transport, transport)
	}
	cmd := exec.Command("dd", "if="+filepath.Join(mnt, "blocker"), "of=/dev/null", "bs="+bs, "count=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	const hang = 30 * time.Second // a hang guard, not a timing check
	select {
	case <-file.entered:
	case <-time.After(hang):
		cmd.Process.Kill()
		t.Fatal("the READ never reached the file system")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-file.cancelled:
	case <-time.After(hang):
		close(file.release) // let the reader go, or unmounting hangs
		cmd.Wait()
		t.Fatalf("the READ's context was not cancelled %v after its caller was killed", hang)
	}
	err = cmd.Wait()
	if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !st.Signaled() || st.Signal() != syscall.SIGTERM {
		t.Errorf("dd ended with %v, want killed by SIGTERM", err)
	}
	close(file.release)
}
