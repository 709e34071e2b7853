package mount

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	Cipherdir  string    `json:"cipherdir"`
	Mountpoint string    `json:"mountpoint"`
	ReadOnly   bool      `json:"readonly"`
	Idle       string    `json:"idle,omitempty"`
	PID        int       `json:"pid"`
	Started    time.Time `json:"started"`
	Log        string    `json:"log,omitempty"`
	// Hidden is how many backing entries the mount's latest listings
	// left out (fs.FS.Hidden), brought up to date every few seconds.
	Hidden int `json:"hidden"`
}

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
func WriteState(s State) (remove func(), err error) {
	if err := os.MkdirAll(StateDir(), 0o700); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	p := stateFile(s.Mountpoint)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, p); err != nil {
		return nil, err
	}
	return func() { os.Remove(p) }, nil
}

// ReadState returns the record of the daemon serving mountpoint, if it
// exists and that daemon is still alive.
func ReadState(mountpoint string) (State, bool) {
	var s State
	b, err := os.ReadFile(stateFile(mountpoint))
	if err != nil || json.Unmarshal(b, &s) != nil || s.Mountpoint != mountpoint {
		return s, false
	}
	return s, s.PID > 0 && unix.Kill(s.PID, 0) == nil
}
