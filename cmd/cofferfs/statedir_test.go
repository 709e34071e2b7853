package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Uids of the state-directory attack: two ordinary users of one machine.
const (
	victimUID   = 4242
	attackerUID = 4343
)

// asUser runs cmd as uid (gid the same) with env.
func asUser(cmd *exec.Cmd, uid int, env []string) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	cmd.Env = env
	return cmd
}

// stateName is the base name of the state files of mountpoint mnt.
func stateName(mnt string) string {
	h := sha256.Sum256([]byte(mnt))
	return hex.EncodeToString(h[:8])
}

// Another local user pre-creates the victim's fallback state directory
// (no XDG_RUNTIME_DIR) and plants symlinks to a file of the victim's:
// the victim's mount must refuse the directory and leave the file alone.
func TestStateDirPlantedByAnotherUser(t *testing.T) {
	c, cipher, _, pw := newLifecycle(t)
	if err := os.Chmod(filepath.Dir(c.bin), 0o755); err != nil {
		t.Fatal(err)
	}
	base, err := os.MkdirTemp("", "cofferfs-statedir-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	tmp, home, mnt := filepath.Join(base, "tmp"), filepath.Join(base, "home"), filepath.Join(base, "mnt")
	os.Mkdir(tmp, 0o777)
	os.Chmod(tmp, 0o777|os.ModeSticky)
	os.Mkdir(home, 0o700)
	os.Mkdir(mnt, 0o700)
	t.Cleanup(func() { exec.Command(c.bin, "unmount", "--lazy", mnt).Run() })
	vault, passfile, target := filepath.Join(home, "vault"), filepath.Join(home, "pw"), filepath.Join(home, "notes")
	for _, cp := range [][2]string{{cipher, vault}, {pw, passfile}} {
		if out, err := exec.Command("cp", "-a", cp[0], cp[1]).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v\n%s", err, out)
		}
	}
	os.WriteFile(target, []byte("precious\n"), 0o600)
	for _, p := range []string{home, mnt, vault, passfile, target} {
		if out, err := exec.Command("chown", "-R", "4242:4242", p).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v\n%s", err, out)
		}
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + tmp}
	dir := filepath.Join(tmp, "cofferfs-4242")
	name := filepath.Join(dir, stateName(mnt))
	plant := asUser(exec.Command("sh", "-c", `mkdir -m 777 "$1" && for s in .log .json .json.tmp; do ln -s "$2" "$3$s"; done`,
		"sh", dir, target, name), attackerUID, env)
	if out, err := plant.CombinedOutput(); err != nil {
		t.Fatalf("planting as uid %d: %v\n%s", attackerUID, err, out)
	}
	for _, mode := range []string{"", "-f"} {
		args := []string{"mount", "--passfile", passfile, vault, mnt}
		if mode != "" {
			args = append(args[:1], append([]string{mode}, args[1:]...)...)
		}
		victim := asUser(exec.Command(c.bin, args...), victimUID, env)
		out, err := victim.CombinedOutput()
		if err == nil || !strings.Contains(string(out), dir) || !strings.Contains(string(out), "owned by uid 4343") {
			t.Errorf("mount %s in a planted state dir: %v\n%s", mode, err, out)
		}
		if isMounted(t, mnt) {
			t.Errorf("mount %s mounted in spite of the planted state dir", mode)
			exec.Command(c.bin, "unmount", "--lazy", mnt).Run()
		}
		if b, _ := os.ReadFile(target); string(b) != "precious\n" {
			t.Fatalf("the victim's file was overwritten through the planted symlinks: %q", b)
		}
	}
}
