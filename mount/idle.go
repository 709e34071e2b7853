package mount

import (
	"context"
	"log/slog"
	"time"
)

// IdleLock unmounts s once no operation has reached it for idle and no
// file is open on it, checking every tick (idle/10, at most 10 s). A
// busy mount (a shell sitting in it) is tried again at the next tick. It
// returns when ctx ends or the mount was unmounted by it.
func (s *Server) IdleLock(ctx context.Context, idle time.Duration) {
	idleLock(ctx, idle, s.Idle, s.Unmount, s.v.log, s.mnt)
}

// idleLock is IdleLock for any mount: quiet reports how long it has been
// idle and whether no file is open, unmount locks it.
func idleLock(ctx context.Context, idle time.Duration, quiet func() (time.Duration, bool), unmount func() error, log *slog.Logger, mnt string) {
	tick := min(max(idle/10, 10*time.Millisecond), 10*time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		q, noneOpen := quiet()
		if q >= idle && noneOpen && unmount() == nil {
			log.Info("idle: locked", "mountpoint", mnt, "idle", idle)
			return
		}
	}
}
