package daemon

import (
	"errors"
	"os/exec"
	"testing"
)

// TestFindFusermount: fusermount3 is found in $PATH, else in /bin or
// /usr/bin (a cron job's PATH may lack it; go-fuse mounts with the one
// there), else fusermount; with none, ErrNoFusermount.
func TestFindFusermount(t *testing.T) {
	have := map[string]bool{}
	look := func(name string) (string, error) {
		if have[name] {
			return name, nil
		}
		return "", exec.ErrNotFound
	}
	for _, c := range []struct {
		have []string
		want string
	}{
		{[]string{"fusermount3", "/bin/fusermount3"}, "fusermount3"},
		{[]string{"/usr/bin/fusermount3", "fusermount"}, "/usr/bin/fusermount3"},
		{[]string{"/bin/fusermount"}, "/bin/fusermount"},
		{nil, ""},
	} {
		clear(have)
		for _, h := range c.have {
			have[h] = true
		}
		got, err := findFusermount(look)
		if got != c.want || (c.want == "") != errors.Is(err, ErrNoFusermount) {
			t.Errorf("with %v: %q, %v; want %q", c.have, got, err, c.want)
		}
	}
}

// TestParseMountinfoUID: the user who mounted comes from FUSE's user_id
// super option.
func TestParseMountinfoUID(t *testing.T) {
	line := `812 30 0:77 / /home/u/mnt rw,nosuid,nodev,relatime shared:400 - fuse.cofferfs /home/u/v rw,user_id=1000,group_id=1000`
	m, ok := parseMountinfo(line)
	if !ok || m.UID != 1000 || m.Mountpoint != "/home/u/mnt" || m.Source != "/home/u/v" || m.Conn != 77 {
		t.Errorf("%+v, %v", m, ok)
	}
	m, _ = parseMountinfo(`1 2 0:5 / /m ro - fuse.cofferfs /v ro`)
	if m.UID != -1 || !m.ReadOnly {
		t.Errorf("no user_id: %+v", m)
	}
}
