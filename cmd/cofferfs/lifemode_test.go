package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// lifeMode is a mode the lifecycle, run and leftover tests run in:
// forward (a vault and its plaintext view) or reverse (a plain directory
// and its ciphertext view, mount --reverse / run --reverse).
type lifeMode struct {
	name    string
	reverse bool
}

// lifeModes are both modes.
var lifeModes = []lifeMode{{"forward", false}, {"reverse", true}}

// args returns the command, --reverse in reverse mode, then rest.
func (m lifeMode) args(cmd string, rest ...string) []string {
	args := []string{cmd}
	if m.reverse {
		args = append(args, "--reverse")
	}
	return append(args, rest...)
}

// heldFile is a file under the mount that a process may hold open for
// reading: written first in forward mode, the view's gocryptfs.conf in
// reverse mode.
func (m lifeMode) heldFile(t *testing.T, mnt string) string {
	t.Helper()
	if m.reverse {
		return filepath.Join(mnt, "gocryptfs.conf")
	}
	p := filepath.Join(mnt, "held")
	if err := os.WriteFile(p, []byte("held"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// newLifecycleMode is newLifecycle in mode m; in reverse mode src is a
// plain directory (reversePlainTree) set up with init --reverse.
func newLifecycleMode(t *testing.T, m lifeMode) (c cli, src, mnt, pw string) {
	if !m.reverse {
		return newLifecycle(t)
	}
	needMount(t)
	c = cli{t: t, bin: buildBinary(t)}
	src = reversePlainTree(t)
	mnt, pw = filepath.Join(t.TempDir(), "mnt"), filepath.Join(t.TempDir(), "pw")
	os.Mkdir(mnt, 0o755)
	if err := os.WriteFile(pw, []byte("lifecycle password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.must("init", "--reverse", "--scryptn", "10", "--passfile", pw, src)
	t.Cleanup(func() { exec.Command(c.bin, "unmount", "--lazy", mnt).Run() })
	return c, src, mnt, pw
}

// inModes runs f as a subtest in each mode.
func inModes(t *testing.T, f func(t *testing.T, m lifeMode)) {
	for _, m := range lifeModes {
		t.Run(m.name, func(t *testing.T) { f(t, m) })
	}
}
