package manifest

import "time"

// SetClock sets the clock of v (tests move it past the racy window).
func SetClock(v *Vault, now func() time.Time) { v.now = now }
