package daemon

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

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
	dead := daemonDead(m)
	if dead {
		// The connection of a dead daemon may live on (a thread stuck in
		// the kernel, an inherited descriptor), and processes waiting on
		// the mount would wait for ever and keep it busy. If the abort
		// fails, unmounting is still tried.
		abortConn(m.Conn)
	}
	err = unmountOnce(mnt, lazy)
	// Processes woken by the abort let go of the mount a moment later.
	for i := 0; dead && i < 50 && errors.Is(err, unix.EBUSY); i++ {
		time.Sleep(20 * time.Millisecond)
		err = unmountOnce(mnt, lazy)
	}
	if errors.Is(err, unix.EBUSY) {
		return &BusyError{Mountpoint: mnt, Holders: Holders(mnt)}
	}
	if err == nil && dead {
		os.Remove(stateFile(mnt)) // the dead daemon's record would outlive it
	}
	return err
}

// daemonDead reports whether the state record of m names a daemon that
// is dead. A mount without a record is not known to be dead: its server
// is unknown.
func daemonDead(m *MountInfo) bool {
	st, _ := ReadState(m.Mountpoint)
	return st.Mountpoint == m.Mountpoint && st.PID > 0 && !st.running()
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
	bin, err := Fusermount()
	if err != nil {
		return fmt.Errorf("mount: unmount %s: %w", mnt, err)
	}
	args := []string{"-u"}
	if lazy {
		args = append(args, "-z")
	}
	out, err := exec.Command(bin, append(args, mnt)...).CombinedOutput()
	if err == nil {
		return nil
	}
	msg := strings.TrimSpace(string(out))
	if msg == "" {
		return fmt.Errorf("mount: unmount %s: %w", mnt, err)
	}
	if strings.Contains(msg, "busy") {
		err = unix.EBUSY
	}
	return fmt.Errorf("mount: unmount %s: %s: %w", mnt, msg, err)
}

// connDir is where the kernel lists FUSE connections (fusectl).
const connDir = "/sys/fs/fuse/connections"

// abortConn aborts FUSE connection n: every request waiting on it fails
// with ENOTCONN. As root it mounts fusectl first if needed.
func abortConn(n uint32) error {
	if n == 0 {
		return errors.New("no connection number in mountinfo")
	}
	p := filepath.Join(connDir, strconv.FormatUint(uint64(n), 10), "abort")
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) && os.Geteuid() == 0 {
		unix.Mount("fusectl", connDir, "fusectl", 0, "")
	}
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil // already gone with its daemon
	}
	if err != nil {
		return err
	}
	_, err = f.WriteString("1")
	return errors.Join(err, f.Close())
}
