package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The state directory may lie in a world-writable place (the fallback
// /tmp/cofferfs-UID of a user without XDG_RUNTIME_DIR), where another
// user could create it first and plant symlinks or read the logs. So it
// is used only when it is a real directory of this user that nobody
// else may enter, and files in it are created with O_EXCL or O_NOFOLLOW.

// UnsafeStateDirError is returned for a state directory that another
// user could have planted or can read.
type UnsafeStateDirError struct {
	// Dir is the state directory.
	Dir string
	// Why says what is wrong with it.
	Why string
}

// Error implements error.
func (e *UnsafeStateDirError) Error() string {
	return fmt.Sprintf("state directory %s %s", e.Dir, e.Why)
}

// EnsureStateDir creates the state directory with mode 0700 if it is
// missing, and returns it if it is safe to use: a directory (not a
// symlink), owned by the effective user, with no group or other
// permissions. Otherwise the error is an *UnsafeStateDirError.
func EnsureStateDir() (string, error) {
	dir := StateDir()
	return dir, ensureDir(dir)
}

// ensureDir creates dir (0700) if missing and checks it as checkStateDir.
func ensureDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return checkStateDir(dir)
}

// checkStateDir refuses a state directory that is not this user's own
// private directory.
func checkStateDir(dir string) error {
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return &UnsafeStateDirError{Dir: dir, Why: fmt.Sprintf(format, args...)}
	}
	switch {
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return bad("is a symlink")
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return bad("is not a directory")
	case int(st.Uid) != os.Geteuid():
		return bad("is owned by uid %d, not by you (uid %d)", st.Uid, os.Geteuid())
	case st.Mode&0o077 != 0:
		return bad("has mode %04o, not 0700", st.Mode&0o7777)
	}
	return nil
}

// openLog opens (appending, creating 0600) a log file in the state
// directory, never through a symlink.
func openLog(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|unix.O_NOFOLLOW, 0o600)
}

// processStart returns the start time of process pid (clock ticks after
// boot, /proc/PID/stat field 22); ok is false when pid does not run (a
// zombie does not count).
func processStart(pid int) (ticks uint64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The fields after the command name (in parentheses) start with
	// the state, field 3.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 20 || f[0] == "Z" {
		return 0, false
	}
	ticks, err = strconv.ParseUint(f[19], 10, 64)
	return ticks, err == nil
}

// running reports whether the daemon a record names still runs: its pid
// is a live process that started when the record says (another process
// may have got the pid since).
func (s State) running() bool {
	ticks, ok := processStart(s.PID)
	return s.PID > 0 && ok && (s.StartTicks == 0 || s.StartTicks == ticks)
}

// CleanStale removes the state records of daemons that no longer run
// (killed with SIGKILL, or their pid reused). Records being written and
// log files are left alone; an unsafe state directory is not touched.
func CleanStale() {
	dir := StateDir()
	if checkStateDir(dir) != nil {
		return
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, p := range names {
		if s, ok := readRecord(p); ok && !s.running() {
			os.Remove(p)
		}
	}
}

// readRecord reads the state record at p, never through a symlink.
func readRecord(p string) (State, bool) {
	var s State
	f, err := os.OpenFile(p, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return s, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	return s, err == nil && json.Unmarshal(b, &s) == nil
}
