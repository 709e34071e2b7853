package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
)

// unwrapHelperArg is the hidden command that makes this program the
// key-unwrapping helper.
const unwrapHelperArg = "__unwrap-key"

// unwrapInHelper unwraps the master key of c with the password pw in a
// helper process (this program, run with unwrapHelperArg). scrypt makes
// copies of the password that cannot be wiped (the library turns it into
// a string); in the helper they vanish with its exit, so a serving
// process (mount -f, run) never holds them. SIGINT/SIGTERM kill the
// helper, which stops the derivation. The config and the password go
// through a pipe, the key comes back through another; no buffer in
// between keeps them.
func (e *env) unwrapInHelper(c *config.Config, pw []byte) ([]byte, error) {
	conf, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer inR.Close()
	defer inW.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer outR.Close()
	defer outW.Close()
	// /proc/self/exe: this very program, even if its file was replaced
	// (an upgrade while a timer runs).
	cmd := exec.CommandContext(e.ctx, "/proc/self/exe", unwrapHelperArg)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, os.Stderr
	if err := cmd.Start(); err != nil {
		if e.ctx.Err() != nil {
			return nil, failf(exitSigInt, "interrupted during key derivation")
		}
		return nil, err
	}
	inR.Close()
	outW.Close()
	key, werr := exchange(inW, outR, conf, pw)
	err = cmd.Wait()
	if e.ctx.Err() != nil {
		clear(key)
		return nil, failf(exitSigInt, "interrupted during key derivation")
	}
	return helperResult(key, werr, err)
}

// exchange sends the config and the password to the helper and reads
// the key it sends back.
func exchange(in io.WriteCloser, out io.Reader, conf, pw []byte) ([]byte, error) {
	msg := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(conf)+len(pw)), uint32(len(conf)))
	msg = append(append(msg, conf...), pw...)
	_, err := in.Write(msg)
	clear(msg)
	in.Close()
	if err != nil {
		return nil, err
	}
	key := make([]byte, crypto.KeySize)
	if _, err := io.ReadFull(out, key); err != nil {
		clear(key)
		return nil, err
	}
	return key, nil
}

// helperResult turns the helper's exit into the key or an error.
func helperResult(key []byte, ioErr, waitErr error) ([]byte, error) {
	var ee *exec.ExitError
	switch {
	case errors.As(waitErr, &ee) && ee.ExitCode() == exitWrongKey:
		return nil, crypto.ErrWrongPassword
	case waitErr != nil:
		return nil, fmt.Errorf("key derivation: %w", waitErr)
	case ioErr != nil:
		return nil, fmt.Errorf("key derivation: %w", ioErr)
	}
	return key, nil
}

// runUnwrapHelper is the helper: it reads the config and the password
// from stdin, writes the master key to stdout, and exits 12 for a wrong
// password.
func runUnwrapHelper(stdin io.Reader, stdout io.Writer) int {
	buf := make([]byte, 4+config.MaxFileSize+crypto.MaxPasswordSize+1)
	defer clear(buf)
	n, err := io.ReadFull(stdin, buf)
	if err != io.ErrUnexpectedEOF || n < 4 {
		return exitOther
	}
	size := int(binary.BigEndian.Uint32(buf))
	if size > n-4 {
		return exitOther
	}
	c, err := config.Parse(buf[4 : 4+size])
	if err != nil {
		return exitLoadConf
	}
	key, err := c.MasterKey(buf[4+size : n])
	defer clear(key)
	switch {
	case errors.Is(err, crypto.ErrWrongPassword):
		return exitWrongKey
	case err != nil:
		return exitOther
	}
	if _, err := stdout.Write(key); err != nil {
		return exitOther
	}
	return exitOK
}
