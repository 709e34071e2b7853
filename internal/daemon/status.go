package daemon

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/cofferfs/cofferfs/internal/mountinfo"
)

// MountInfo is one cofferfs mount as the kernel lists it.
type MountInfo struct {
	// Mountpoint is where the vault is mounted.
	Mountpoint string
	// Source is the mount source: the cipherdir.
	Source string
	// ReadOnly reports a read-only mount.
	ReadOnly bool
	// Conn is the FUSE connection's number in
	// /sys/fs/fuse/connections (the mount's minor device number), 0 if
	// unknown.
	Conn uint32
	// UID is the user who mounted it (the user_id option FUSE lists),
	// -1 if unknown. Only that user's state records describe it.
	UID int
}

// fsType is the type of cofferfs mounts in /proc/self/mountinfo.
const fsType = "fuse.cofferfs"

// Mounts lists the cofferfs mounts of this mount namespace.
func Mounts() ([]MountInfo, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []MountInfo
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if m, ok := parseMountinfo(sc.Text()); ok {
			out = append(out, m)
		}
	}
	return out, sc.Err()
}

// parseMountinfo reads one line of /proc/self/mountinfo:
// id parent maj:min root mountpoint options [optional...] - type source superopts
func parseMountinfo(line string) (MountInfo, bool) {
	pre, post, ok := strings.Cut(line, " - ")
	if !ok {
		return MountInfo{}, false
	}
	a, b := strings.Fields(pre), strings.Fields(post)
	if len(a) < 6 || len(b) < 2 || b[0] != fsType {
		return MountInfo{}, false
	}
	ro := false
	for _, o := range strings.Split(a[5], ",") {
		ro = ro || o == "ro"
	}
	m := MountInfo{Mountpoint: mountinfo.Unescape(a[4]), Source: mountinfo.Unescape(b[1]), ReadOnly: ro, UID: -1}
	if len(b) > 2 {
		m.UID = superUID(b[2])
	}
	if maj, min, ok := strings.Cut(a[2], ":"); ok && maj == "0" {
		n, _ := strconv.ParseUint(min, 10, 32)
		m.Conn = uint32(n)
	}
	return m, true
}

// superUID returns the user_id of FUSE super options, or -1.
func superUID(opts string) int {
	for _, o := range strings.Split(opts, ",") {
		if v, ok := strings.CutPrefix(o, "user_id="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
	}
	return -1
}

// findMount returns the cofferfs mount at mnt, or nil.
func findMount(mnt string) (*MountInfo, error) {
	ms, err := Mounts()
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Mountpoint == mnt {
			return &m, nil
		}
	}
	return nil, nil
}

// IsMounted reports whether a cofferfs vault is mounted at mnt (an
// absolute, clean path).
func IsMounted(mnt string) bool {
	m, err := findMount(mnt)
	return err == nil && m != nil
}
