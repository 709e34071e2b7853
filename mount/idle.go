package mount

import (
	"context"
	"time"
)

// IdleLock unmounts s once no operation has reached it for idle and no
// file is open on it, checking every tick (idle/10, at most 10 s). A
// busy mount (a shell sitting in it) is tried again at the next tick. It
// returns when ctx ends or the mount was unmounted by it.
func (s *Server) IdleLock(ctx context.Context, idle time.Duration) {
	tick := min(max(idle/10, 10*time.Millisecond), 10*time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		quiet, noneOpen := s.Idle()
		if quiet >= idle && noneOpen && s.Unmount() == nil {
			s.v.log.Info("idle: locked", "mountpoint", s.mnt, "idle", idle)
			return
		}
	}
}
