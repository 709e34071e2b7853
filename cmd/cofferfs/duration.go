package main

import (
	"time"

	"github.com/cofferfs/cofferfs/fs"
)

// formatDuration renders d the one way cofferfs prints a duration, which
// is also how its duration flags take one: Go's notation without the
// zero units, "45s", "12m", "1h5m", "1m30s", "300ms", "1.5s". From a
// second up it is rounded to milliseconds, from a minute up to whole
// seconds. Status lines, the progress bar's time left, summaries, log
// lines, warnings and the help all print durations through it.
func formatDuration(d time.Duration) string { return fs.FormatDuration(d) }
