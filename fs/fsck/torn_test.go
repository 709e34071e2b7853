package fsck_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/fs/fsck"
	"golang.org/x/sys/unix"
)

// TestRepairTornAppend: a power cut in the middle of an append that
// rewrote the tail block leaves its first 4 KiB page new and the rest
// old (zeros past the old end). The whole tail block fails, 4000 bytes
// written and synced before included; that is the format. Repair keeps
// the file where it is, cut back to the last good block, and keeps the
// damaged ciphertext in lost+found.
func TestRepairTornAppend(t *testing.T) {
	v := newVault(t)
	must(t, v.Mkdir("logs", 0o755, nil))
	data := randBytes(7, 2*bs)
	write(t, v.FS, "logs/app.log", data[:bs+4000])
	back := v.backing(t, "logs/app.log")
	old, err := os.ReadFile(back)
	must(t, err)
	fl, err := v.Open("logs/app.log", unix.O_RDWR)
	must(t, err)
	_, err = fl.WriteAt(data[bs+4000:], bs+4000)
	must(t, err)
	must(t, fl.Close())
	cur, err := os.ReadFile(back)
	must(t, err)
	const page = 4096
	c := v.Content()
	if c.BlockOffset(1) >= 2*page || int64(len(cur)) <= 2*page {
		t.Fatalf("block 1 does not straddle a page boundary: %d..%d", c.BlockOffset(1), len(cur))
	}
	torn := append(cur[:2*page:2*page], make([]byte, len(cur)-2*page)...)
	copy(torn[2*page:], old[min(len(old), 2*page):])
	must(t, os.WriteFile(back, torn, 0o644))

	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true})
	must(t, err)
	cb := kinds(rep)[fsck.CorruptBlock]
	if len(cb) != 1 || *cb[0].Blocks != (fsck.Blocks{First: 1, Last: 1}) || !cb[0].Repaired || rep.Unrepaired() != 0 {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	if !strings.Contains(cb[0].Action, "cut") || !strings.Contains(cb[0].Action, "lost+found/logs%2Fapp.log.damaged-ciphertext") {
		t.Errorf("action: %s", cb[0].Action)
	}
	w := v.open(t)
	if got := read(t, w, "logs/app.log"); !bytes.Equal(got, data[:bs]) {
		t.Errorf("after repair: %d bytes, want the first block (%d bytes)", len(got), bs)
	}
	raw := read(t, w, "lost+found/logs%2Fapp.log.damaged-ciphertext")
	if !bytes.Equal(raw[c.BlockOffset(1):], torn[c.BlockOffset(1):]) {
		t.Error("the torn block's ciphertext is not kept")
	}
	if _, err := w.Stat("lost+found/logs%2Fapp.log"); err == nil {
		t.Error("the file was moved to lost+found too")
	}
	again, err := fsck.Check(context.Background(), v.open(t), fsck.Options{})
	must(t, err)
	if again.Problems() != 0 {
		t.Errorf("after repair: %+v", again.Findings)
	}
	gocryptfsFsck(t, v)
}
