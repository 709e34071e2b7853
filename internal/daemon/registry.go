package daemon

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// State describes a running cofferfs daemon. The daemon writes it to the
// state directory when its mount is ready and removes it on exit;
// `cofferfs status` reads it.
type State struct {
	Cipherdir  string `json:"cipherdir"`
	Mountpoint string `json:"mountpoint"`
	ReadOnly   bool   `json:"readonly"`
	// Reverse marks the ciphertext view of a plain directory (mount
	// --reverse): Cipherdir is then the plain directory.
	Reverse bool `json:"reverse,omitempty"`
	// Idle is the idle lock's time (as --idle takes it), "" for none.
	Idle    string    `json:"idle,omitempty"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	// Log is where the daemon logs: LogSyslog, LogStderr (a foreground
	// mount or run), or the path of its log file.
	Log string `json:"log,omitempty"`
	// LastActive is when the mount last served a request and OpenFiles
	// how many files are open on it, brought up to date every few
	// seconds while it has an idle lock: the lock comes Idle after
	// LastActive, once OpenFiles is 0.
	LastActive time.Time `json:"last_active,omitzero"`
	OpenFiles  int       `json:"open_files,omitempty"`
	// StartTicks is the start time of process PID (see processStart),
	// which tells the daemon from a later process with the same pid.
	StartTicks uint64 `json:"start_ticks,omitempty"`
	// Hidden is how many backing entries the mount's latest listings
	// left out (fs.FS.Hidden), brought up to date every few seconds.
	Hidden int `json:"hidden"`
	// Changed is how many entries differed from the vault's sealed
	// manifest when it was mounted ("cofferfs verify" lists them), or ""
	// while that is not known.
	Changed string `json:"changed,omitempty"`
	// Transport is how the mount's requests reach the daemon: uring or
	// dev (empty in records of older daemons).
	Transport string `json:"transport,omitempty"`
}

// The places State.Log names besides a log file.
const (
	LogSyslog = "syslog"
	LogStderr = "stderr"
)

// StateDir returns the directory for daemon state and logs:
// /run/cofferfs for root, $XDG_RUNTIME_DIR/cofferfs otherwise, or a
// per-user folder in the temporary directory.
func StateDir() string {
	if os.Geteuid() == 0 {
		return "/run/cofferfs"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "cofferfs")
	}
	return filepath.Join(os.TempDir(), "cofferfs-"+strconv.Itoa(os.Geteuid()))
}

// stateFile returns the state file of a mountpoint.
func stateFile(mountpoint string) string {
	h := sha256.Sum256([]byte(mountpoint))
	return filepath.Join(StateDir(), hex.EncodeToString(h[:8])+".json")
}

// LogFile returns the log file a background daemon for mountpoint uses
// when syslog is not available.
func LogFile(mountpoint string) string {
	return stateFile(mountpoint)[:len(stateFile(mountpoint))-len(".json")] + ".log"
}

// WriteState records s and returns a function that removes the record.
// It refuses an unsafe state directory (see EnsureStateDir) and writes
// through a new temporary file (O_EXCL: never through a symlink).
func WriteState(s State) (remove func(), err error) {
	dir, err := EnsureStateDir()
	if err != nil {
		return nil, err
	}
	if s.StartTicks == 0 {
		s.StartTicks, _ = processStart(s.PID)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	p := stateFile(s.Mountpoint)
	f, err := os.CreateTemp(dir, filepath.Base(p)+".tmp*")
	if err != nil {
		return nil, err
	}
	_, err = f.Write(append(b, '\n'))
	if err = errors.Join(err, f.Close()); err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	return func() { os.Remove(p) }, nil
}

// ReadState returns the record of the daemon serving mountpoint, if it
// exists and that daemon is still alive (the record is returned either
// way; CleanStale removes those of daemons that are gone). A state
// directory that is not safe is not read.
func ReadState(mountpoint string) (State, bool) {
	p := stateFile(mountpoint)
	if checkStateDir(filepath.Dir(p)) != nil {
		return State{}, false
	}
	s, ok := readRecord(p)
	if !ok || s.Mountpoint != mountpoint {
		return s, false
	}
	return s, s.running()
}

// Alive reports whether pid is a running process. A zombie counts as
// gone: its parent (often init in a container) may reap it late.
func Alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return unix.Kill(pid, 0) == nil
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
