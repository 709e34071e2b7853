package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestKeyDerivationInterruptible: SIGINT/SIGTERM (the context) ends the
// wait for scrypt at once with the interrupt exit code, instead of after
// the whole derivation (which a forged config could make last hours).
func TestKeyDerivationInterruptible(t *testing.T) {
	dir, passfile, _ := makeVault(t, "pw", "--scryptn", "16")
	c, err := loadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as if SIGTERM arrived while scrypt runs
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	key, err := e.masterKey(c, &unlockFlags{passfile: passfile})
	var x *exitError
	if !errors.As(err, &x) || x.code != exitSigInt {
		t.Fatalf("masterKey after SIGTERM = %x, %v; want exit %d", key, err, exitSigInt)
	}
}
