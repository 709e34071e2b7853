package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary be the key-unwrapping helper, as the
// cofferfs binary is: in-process runs of the CLI start it as a child.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 && os.Args[1] == unwrapHelperArg {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
