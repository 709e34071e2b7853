package daemon

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrNotMounted is returned by Unmount for a directory that has no
// cofferfs mount.
var ErrNotMounted = errors.New("mount: not a cofferfs mount")

// BusyError is returned by Unmount when processes still use the mount.
type BusyError struct {
	// Mountpoint is the busy mount.
	Mountpoint string
	// Holders are the processes found using it (may be empty when they
	// could not be inspected).
	Holders []Holder
}

// Error implements error.
func (e *BusyError) Error() string {
	return fmt.Sprintf("mount: %s is busy", e.Mountpoint)
}

// Unwrap returns unix.EBUSY.
func (e *BusyError) Unwrap() error { return unix.EBUSY }

// Unmount unmounts the cofferfs mount at mountpoint; the daemon serving
// it then flushes and exits. A busy mount fails with *BusyError naming
// the processes that hold it, unless lazy, which detaches it now and
// lets the kernel finish when the last user lets go. A mount whose
// daemon died (kill -9) is cleaned up too.
func Unmount(mountpoint string, lazy bool) error {
	mnt, err := filepath.Abs(mountpoint)
	if err != nil {
		return err
	}
	m, err := findMount(mnt)
	if err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("%w: %s", ErrNotMounted, mnt)
	}
	err = unmountOnce(mnt, lazy)
	if errors.Is(err, unix.EBUSY) {
		return &BusyError{Mountpoint: mnt, Holders: Holders(mnt)}
	}
	return err
}

func unmountOnce(mnt string, lazy bool) error {
	if os.Geteuid() == 0 {
		flags := 0
		if lazy {
			flags = unix.MNT_DETACH
		}
		if err := unix.Unmount(mnt, flags); err != nil {
			return fmt.Errorf("mount: unmount %s: %w", mnt, err)
		}
		return nil
	}
	args := []string{"-u"}
	if lazy {
		args = append(args, "-z")
	}
	out, err := exec.Command("fusermount3", append(args, mnt)...).CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if strings.Contains(msg, "busy") {
			return fmt.Errorf("mount: unmount %s: %s: %w", mnt, msg, unix.EBUSY)
		}
		return fmt.Errorf("mount: unmount %s: %s: %w", mnt, msg, err)
	}
	return nil
}
