package mount_test

import (
	"bytes"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// TestWriteBehindCloseError makes the daemon's deferred write of the
// last chunk fail after write(2) returned success, and checks that
// close(2) reports it (FLUSH waits for the write) and that the file then
// holds what was there before. The failure is RLIMIT_FSIZE: it is set
// between the plaintext end, so the client's own write passes the
// kernel's check, and the ciphertext end, which the daemon (this
// process) cannot reach; the reservation (FALLOC_FL_KEEP_SIZE) is not
// limited, so only the deferred pwrite fails.
func TestWriteBehindCloseError(t *testing.T) {
	fsys := newVaultAt(t, fstest.NoTmpfsDir(t), crypto.AESGCM, fs.Options{})
	mnt := mountFS(t, fsys, mount.Options{})
	p := filepath.Join(mnt, "f")
	chunk := 256 << 10
	first := bytes.Repeat([]byte("a"), chunk)
	f, err := os.Create(p)
	must(t, err)
	if _, err := f.Write(first); err != nil {
		t.Fatal(err)
	}
	plainEnd := uint64(2 * chunk)
	limit := (plainEnd + fsys.Content().CipherSize(plainEnd)) / 2
	var old unix.Rlimit
	must(t, unix.Getrlimit(unix.RLIMIT_FSIZE, &old))
	signal.Ignore(unix.SIGXFSZ)
	defer signal.Reset(unix.SIGXFSZ)
	must(t, unix.Setrlimit(unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: limit, Max: old.Max}))
	_, werr := f.Write(bytes.Repeat([]byte("b"), chunk))
	cerr := f.Close()
	must(t, unix.Setrlimit(unix.RLIMIT_FSIZE, &old))
	if werr != nil {
		t.Fatalf("the write was not deferred: %v", werr)
	}
	if !errors.Is(cerr, unix.EFBIG) {
		t.Fatalf("close after a failed deferred write: %v, want EFBIG", cerr)
	}
	got, err := os.ReadFile(p)
	must(t, err)
	if !bytes.Equal(got, first) {
		t.Fatalf("after the failed write the file has %d bytes, want the first %d", len(got), len(first))
	}
}
