package mount_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/mount"
)

// TestSetIDClearedOnWrite checks the rule the daemon applies for the
// kernel (FUSE_HANDLE_KILLPRIV_V2), as ext4 does: a write or truncate by
// a caller without CAP_FSETID clears set-user-ID, and set-group-ID when
// the group may execute; root's writes keep them.
func TestSetIDClearedOnWrite(t *testing.T) {
	needTools(t, "setpriv", "sh", "truncate")
	dir, fsys := newVault(t, crypto.AESGCM)
	must(t, os.Chmod(dir, 0o755))
	mnt := mountFS(t, fsys, mount.Options{AllowOther: true})
	for d := filepath.Dir(mnt); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		must(t, os.Chmod(d, 0o755))
	}
	as := func(script string) {
		t.Helper()
		out, err := runErr(mnt, nil, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", script)
		if err != nil {
			t.Fatalf("as nobody: %s: %v: %s", script, err, out)
		}
	}
	mode := func(name string) os.FileMode {
		t.Helper()
		st := lstat(t, filepath.Join(mnt, name))
		return os.FileMode(st.Mode & 0o7777)
	}
	files := map[string]uint32{"uid": 0o4777, "gidx": 0o2777, "gid": 0o2767, "root": 0o6777, "trunc": 0o6777}
	for name, m := range files {
		p := filepath.Join(mnt, name)
		must(t, os.WriteFile(p, []byte("data"), 0o644))
		must(t, os.Chmod(p, os.FileMode(m&0o777)|setID(m)))
	}

	as("echo more >> uid && echo more >> gidx && echo more >> gid")
	if got := mode("uid"); got != 0o777 {
		t.Errorf("set-user-ID file after a write by nobody: %o, want 777", got)
	}
	if got := mode("gidx"); got != 0o777 {
		t.Errorf("set-group-ID file (group x) after a write by nobody: %o, want 777", got)
	}
	if got := mode("gid"); got != 0o2767 {
		t.Errorf("set-group-ID file without group x after a write: %o, want 2767", got)
	}
	as("truncate -s 1 trunc")
	if got := mode("trunc"); got != 0o777 {
		t.Errorf("after a truncate by nobody: %o, want 777", got)
	}

	f, err := os.OpenFile(filepath.Join(mnt, "root"), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString("root")
	must(t, err)
	must(t, f.Close())
	if got := mode("root"); got != 0o6777 {
		t.Errorf("after a write by root: %o, want 6777", got)
	}
	// The backing files carry the same modes.
	for name, want := range map[string]uint32{"uid": 0o777, "root": 0o6777} {
		st, err := fsys.Stat(name)
		must(t, err)
		if st.Mode&0o7777 != want {
			t.Errorf("%s in the vault: %o, want %o", name, st.Mode&0o7777, want)
		}
	}
}

// setID maps the set-ID bits of a numeric mode to os.FileMode's.
func setID(m uint32) os.FileMode {
	var fm os.FileMode
	if m&0o4000 != 0 {
		fm |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= os.ModeSetgid
	}
	return fm
}
