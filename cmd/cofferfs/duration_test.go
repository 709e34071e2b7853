package main

import (
	"testing"
	"time"
)

// TestFormatDuration: durations print as the duration flags take them,
// without zero units, and parse back to what was printed.
func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                     "0s",
		-time.Second:                          "0s",
		300 * time.Millisecond:                "300ms",
		1500 * time.Millisecond:               "1.5s",
		1234567 * time.Microsecond:            "1.235s",
		45 * time.Second:                      "45s",
		12 * time.Minute:                      "12m",
		90 * time.Second:                      "1m30s",
		65 * time.Minute:                      "1h5m",
		time.Hour:                             "1h",
		time.Hour + 30*time.Second:            "1h0m30s",
		3723 * time.Second:                    "1h2m3s",
		12*time.Minute + 400*time.Millisecond: "12m",
	} {
		got := formatDuration(d)
		if got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(got); err != nil || formatDuration(back) != got {
			t.Errorf("%q does not parse back: %v, %v", got, back, err)
		}
	}
}
