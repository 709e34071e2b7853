package mount

import (
	"bytes"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/fs"
)

// TestErrnoLostDirIV: a directory a sync client recreated without its IV
// is EIO, logged as what it is and not as "not fully synced yet".
func TestErrnoLostDirIV(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	if e := errno(log, &fs.LostIVError{Path: "docs", Age: time.Hour}); e != syscall.EIO {
		t.Errorf("errno %v", e)
	}
	out := buf.String()
	if !strings.Contains(out, "recreated by a sync client") || !strings.Contains(out, "path=docs") ||
		!strings.Contains(out, "fsck --repair") || strings.Contains(out, "not fully synced") {
		t.Errorf("log: %s", out)
	}
}
