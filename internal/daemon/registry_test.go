package daemon

import (
	"os/exec"
	"testing"
	"time"
)

// TestReadStateZombieIsDead checks that a daemon that has exited but was
// not reaped yet (a zombie) counts as gone, as it does for unmount.
func TestReadStateZombieIsDead(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Wait() })
	mnt := t.TempDir()
	remove, err := WriteState(State{Mountpoint: mnt, PID: cmd.Process.Pid, Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	deadline := time.Now().Add(10 * time.Second)
	for Alive(cmd.Process.Pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, alive := ReadState(mnt); alive {
		t.Fatal("ReadState reports a zombie daemon as alive")
	}
}
