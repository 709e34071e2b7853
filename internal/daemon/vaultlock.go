package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// One writer per vault: a read-write mount, "cofferfs run", fsck
// --repair and import each hold an flock on a file in the state
// directory, named by the cipherdir's device and inode (so a symlink or
// bind mount to the vault is the same vault). The lock is not in the
// cipherdir, which syncs. The kernel drops it when its holder exits, also
// by kill -9, so it is never stale.

// VaultLock is a held claim on a vault.
type VaultLock struct{ f *os.File }

// lockInfo is what a lock file says about its holder.
type lockInfo struct {
	PID     int    `json:"pid"`
	Command string `json:"command"`
}

// VaultInUseError is returned by LockVault when another cofferfs
// process writes to the vault.
type VaultInUseError struct {
	// Cipherdir is the vault.
	Cipherdir string
	// PID is the process holding it, 0 if unknown.
	PID int
	// Command is what it does: "mount", "run", "fsck --repair", ...
	Command string
	// Mountpoint is where it is mounted, if it is.
	Mountpoint string
}

// Error implements error.
func (e *VaultInUseError) Error() string {
	s := "the vault " + e.Cipherdir + " is in use"
	if e.Command != "" {
		s += " by cofferfs " + e.Command
	}
	if e.PID > 0 {
		s += fmt.Sprintf(" (pid %d)", e.PID)
	}
	if e.Mountpoint != "" {
		s += ", mounted read-write on " + e.Mountpoint
	}
	return s
}

// LockVault claims the vault in cipherdir for one writer, command (a
// short description such as "mount"), until Release or the process's
// exit. It fails with *VaultInUseError while another process holds the
// claim, or while a read-write mount of the vault whose daemon is alive
// is listed in mountinfo (a mount by another user, who has another state
// directory).
func LockVault(cipherdir, command string) (*VaultLock, error) {
	var st unix.Stat_t
	if err := unix.Stat(cipherdir, &st); err != nil {
		return nil, err
	}
	dir, err := EnsureStateDir()
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("vault-%x-%d.lock", st.Dev, st.Ino)
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, inUse(cipherdir, f, &st)
		}
		return nil, err
	}
	if m := liveWriterMount(&st); m != nil {
		f.Close()
		s, _ := ReadState(m.Mountpoint)
		return nil, &VaultInUseError{Cipherdir: cipherdir, PID: s.PID, Command: "mount", Mountpoint: m.Mountpoint}
	}
	b, _ := json.Marshal(lockInfo{PID: os.Getpid(), Command: command})
	f.Truncate(0)
	f.WriteAt(append(b, '\n'), 0)
	return &VaultLock{f: f}, nil
}

// Release gives the claim up; it may be called more than once.
func (l *VaultLock) Release() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// inUse describes the holder of the lock file f of the vault st.
func inUse(cipherdir string, f *os.File, st *unix.Stat_t) error {
	var info lockInfo
	b := make([]byte, 4096)
	n, _ := f.ReadAt(b, 0)
	json.Unmarshal(b[:n], &info)
	e := &VaultInUseError{Cipherdir: cipherdir, PID: info.PID, Command: info.Command}
	for _, m := range vaultMounts(st) {
		if s, ok := ReadState(m.Mountpoint); ok && s.PID == info.PID {
			e.Mountpoint = m.Mountpoint
		}
	}
	return e
}

// vaultMounts lists the cofferfs mounts of the vault whose cipherdir
// has the device and inode of st.
func vaultMounts(st *unix.Stat_t) []MountInfo {
	ms, _ := Mounts()
	var out []MountInfo
	for _, m := range ms {
		var s unix.Stat_t
		if unix.Stat(m.Source, &s) == nil && s.Dev == st.Dev && s.Ino == st.Ino {
			out = append(out, m)
		}
	}
	return out
}

// liveWriterMount returns a read-write mount of the vault st, unless its
// recorded daemon is dead (the mount is then an empty shell that
// "cofferfs unmount" removes).
func liveWriterMount(st *unix.Stat_t) *MountInfo {
	for _, m := range vaultMounts(st) {
		s, running := ReadState(m.Mountpoint)
		dead := s.Mountpoint == m.Mountpoint && !running
		if !m.ReadOnly && !dead {
			return &m
		}
	}
	return nil
}
