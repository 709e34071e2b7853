package mount_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// TestPathOpsRacingRenames: getxattr, listxattr, setxattr, chmod,
// readlink and link of a name that renames keep replacing (through the
// mount, with the watched 30 s caches) never answer ESTALE: each finds
// the old object or the new one, or ENOENT (renames.go). On main before
// the fix, listxattr saw ESTALE in one run of two.
func TestPathOpsRacingRenames(t *testing.T) {
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{CacheTimeout: 30 * time.Second})
	name, tmp := filepath.Join(mnt, "t"), filepath.Join(mnt, "t.tmp")
	must(t, os.WriteFile(name, nil, 0o600))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // replaces t by a new file, then by a symlink, in a loop
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var err error
			if i%2 == 0 {
				if err = os.WriteFile(tmp, nil, 0o600); err == nil {
					err = unix.Setxattr(tmp, "user.v", []byte("x"), 0)
				}
			} else {
				err = os.Symlink("target", tmp)
			}
			if err == nil {
				err = os.Rename(tmp, name)
			}
			if err != nil {
				t.Errorf("shuffler: %v", err)
				return
			}
		}
	}()
	ops := map[string]func() error{
		"getxattr":  func() error { _, err := unix.Lgetxattr(name, "user.v", make([]byte, 16)); return err },
		"listxattr": func() error { _, err := unix.Llistxattr(name, make([]byte, 256)); return err },
		"setxattr":  func() error { return unix.Setxattr(name, "user.w", []byte("y"), 0) },
		"chmod":     func() error { return unix.Fchmodat(unix.AT_FDCWD, name, 0o640, 0) },
		"readlink":  func() error { _, err := os.Readlink(name); return err },
		"link": func() error {
			l := filepath.Join(mnt, "l")
			err := os.Link(name, l)
			os.Remove(l)
			return err
		},
	}
	for i := 0; i < 20000 && !t.Failed(); i++ {
		for op, fn := range ops {
			if err := fn(); errors.Is(err, syscall.ESTALE) {
				t.Errorf("%s: %v", op, err)
			}
		}
	}
	close(stop)
	wg.Wait()
}
