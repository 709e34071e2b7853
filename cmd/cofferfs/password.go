package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/cofferfs/cofferfs/crypto"
)

// passwordSource says where a password comes from: a file, a command, or
// (both empty) the terminal or stdin.
type passwordSource struct {
	file    string
	command string
}

// password reads a password from src. On a terminal it prompts with
// prompt (twice if confirm); otherwise it reads one line of stdin. The
// trailing newline (and CR) is stripped. The caller clears the result.
func (e *env) password(src passwordSource, prompt string, confirm bool) ([]byte, error) {
	var pw []byte
	var err error
	switch {
	case src.file != "":
		pw, err = firstLineOfFile(src.file)
	case src.command != "":
		pw, err = e.extpass(src.command)
	case isTerminal(e.stdin):
		pw, err = e.prompt(prompt, confirm)
	default:
		pw, err = e.stdinLine()
	}
	if errors.Is(err, context.Canceled) {
		return nil, failf(exitSigInt, "interrupted")
	}
	if err != nil {
		return nil, fail(exitReadPassword, fmt.Errorf("read password: %w", err))
	}
	switch {
	case len(pw) == 0:
		return nil, failf(exitPasswordEmpty, "the password is empty")
	case len(pw) > crypto.MaxPasswordSize:
		clear(pw)
		return nil, failf(exitReadPassword, "the password is longer than %d bytes", crypto.MaxPasswordSize)
	}
	return pw, nil
}

// maxLine bounds a line read as a password or key.
const maxLine = 64 << 10

// firstLine returns the first line of r without its line ending. It
// reads into one buffer that it wipes, and returns a copy of the line.
func firstLine(r io.Reader) ([]byte, error) {
	buf := make([]byte, maxLine)
	defer clear(buf)
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		if i := bytes.IndexByte(buf[n:n+m], '\n'); i >= 0 {
			n += i + 1
			break
		}
		n += m
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return bytes.Clone(trimEOL(buf[:n])), nil
}

// trimEOL strips one trailing "\n" and then one "\r".
func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// firstLineOfFile returns the first line of a file.
func firstLineOfFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return firstLine(f)
}

// extpass runs "sh -c command" and returns the first line it prints,
// read straight from the pipe into a buffer that is wiped.
func (e *env) extpass(command string) ([]byte, error) {
	cmd := exec.CommandContext(e.ctx, "/bin/sh", "-c", command)
	cmd.Stdin = e.stdin
	cmd.Stderr = e.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("extpass %q: %w", command, err)
	}
	line, rerr := firstLine(out)
	io.Copy(io.Discard, out) // let it finish writing; the rest is not kept
	if err := errors.Join(cmd.Wait(), rerr); err != nil {
		clear(line)
		return nil, fmt.Errorf("extpass %q: %w", command, err)
	}
	return line, nil
}

// stdinLine reads the next line of stdin. Several calls read successive
// lines (passwd reads the old and then the new password), so it reads
// one byte at a time: nothing beyond the line is consumed, and no buffer
// keeps a password after it is wiped.
func (e *env) stdinLine() ([]byte, error) {
	buf := make([]byte, maxLine)
	defer clear(buf)
	n := 0
	for n < len(buf) {
		m, err := e.stdin.Read(buf[n : n+1])
		if m == 1 && buf[n] == '\n' {
			return bytes.Clone(trimEOL(buf[:n+1])), nil
		}
		n += m
		if err == io.EOF && n == 0 {
			return nil, errors.New("no line on stdin")
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return bytes.Clone(trimEOL(buf[:n])), nil
}

// prompt asks for a password on the terminal without echo, twice if
// confirm; the prompt goes to stderr.
func (e *env) prompt(prompt string, confirm bool) ([]byte, error) {
	fd := int(e.stdin.(*os.File).Fd())
	pw, err := e.readHidden(fd, prompt)
	if err != nil || !confirm {
		return pw, err
	}
	again, err := e.readHidden(fd, "Repeat "+strings.ToLower(prompt[:1])+prompt[1:])
	defer clear(again)
	if err != nil {
		clear(pw)
		return nil, err
	}
	if !bytes.Equal(pw, again) {
		clear(pw)
		return nil, errors.New("the passwords do not match")
	}
	return pw, nil
}

// readHidden reads one line from the terminal fd without echo. SIGINT
// (the context) interrupts it and restores the terminal.
func (e *env) readHidden(fd int, prompt string) ([]byte, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(e.stderr, "%s: ", prompt)
	defer fmt.Fprintln(e.stderr)
	type result struct {
		pw  []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		pw, err := readNoEcho(fd)
		done <- result{pw, err}
	}()
	select {
	case r := <-done:
		return r.pw, r.err
	case <-e.ctx.Done():
		term.Restore(fd, state)
		return nil, e.ctx.Err()
	}
}

// readNoEcho reads one line from the terminal fd with echo off. Unlike
// term.ReadPassword, whose growing slice leaves copies of the password
// behind, it reads into one buffer that it wipes.
func readNoEcho(fd int) ([]byte, error) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	t := *old
	t.Lflag &^= unix.ECHO
	t.Lflag |= unix.ICANON | unix.ISIG
	t.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return nil, err
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	buf := make([]byte, maxLine)
	defer clear(buf)
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:n+1])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m == 0 || buf[n] == '\n' {
			break
		}
		n++
	}
	return bytes.Clone(trimEOL(buf[:n])), nil
}
