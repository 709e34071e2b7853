package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The periodic seal of a long mount takes a change in while the mount
// goes on, still marked unsealed.
func TestPeriodicSeal(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir, pf, _ := makeVault(t, "periodic")
	e := &env{ctx: context.Background(), stdin: nil, stdout: io.Discard, stderr: io.Discard}
	v, err := e.openVault(dir, &unlockFlags{passfile: pf}, false)
	must(t, err)
	defer v.Close()
	mv, err := sealOf(v)
	must(t, err)
	_, err = mv.Seal(e.ctx, false)
	must(t, err)
	must(t, mv.MarkDirty())
	fl, err := v.fs.Create("file", unix.O_RDWR, 0o644, nil)
	must(t, err)
	_, err = fl.WriteAt([]byte("data"), 0)
	must(t, err)
	fl.Close()
	rep, err := mv.Verify(e.ctx, nil)
	must(t, err)
	if len(rep.Findings) != 1 {
		t.Fatalf("before the periodic seal: %+v", rep.Findings)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sealEvery(ctx, mv, slog.New(slog.NewTextHandler(io.Discard, nil)), 10*time.Millisecond)
	}()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rep, err = mv.Verify(e.ctx, nil)
		must(t, err)
		if len(rep.Findings) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the periodic seal did not take the change in: %+v", rep.Findings)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(rep.Unsealed) != 1 {
		t.Errorf("a periodic seal must stay marked unsealed: %v", rep.Unsealed)
	}
}
