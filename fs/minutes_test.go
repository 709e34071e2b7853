package fs_test

import (
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/fs"
)

// Ages print in cofferfs's one duration format, never as "3m0s".
func TestMinutes(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 20 * time.Second: "0s", 40 * time.Second: "1m", 15 * time.Minute: "15m",
		time.Hour: "1h", 65*time.Minute + 10*time.Second: "1h5m", 49 * time.Hour: "49h", -time.Minute: "0s",
	} {
		if got := fs.Minutes(d); got != want {
			t.Errorf("Minutes(%v) = %q, want %q", d, got, want)
		}
	}
}
