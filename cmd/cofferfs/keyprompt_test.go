package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// ptyDialog runs the command in-process with stdin and stderr on a
// terminal; each time the terminal shows the next of prompts, answer's
// line is typed. It returns the exit code, stdout and what the terminal
// showed.
func ptyDialog(t *testing.T, prompts, answers []string, args ...string) (int, string, string) {
	t.Helper()
	ctrl, tty := openPty(t, 80)
	var mu chanBuf
	mu.c = make(chan struct{}, 1)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := ctrl.Read(b)
			mu.add(b[:n])
			if err != nil {
				return
			}
		}
	}()
	go func() {
		for i, p := range prompts {
			deadline := time.Now().Add(10 * time.Second)
			for strings.Count(mu.get(), p) < countBefore(prompts[:i], p)+1 {
				if time.Now().After(deadline) {
					break // type it anyway: the test sees what is shown
				}
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond) // echo is off once the prompt is out
			ctrl.Write([]byte(answers[i] + "\n"))
		}
	}()
	var stdout bytes.Buffer
	code := run(args, tty, &stdout, tty)
	time.Sleep(50 * time.Millisecond)
	return code, stdout.String(), mu.get()
}

// countBefore counts p among earlier prompts.
func countBefore(earlier []string, p string) int {
	n := 0
	for _, q := range earlier {
		if q == p {
			n++
		}
	}
	return n
}

// chanBuf is a buffer shared by the reader of the terminal and the test.
type chanBuf struct {
	c   chan struct{}
	buf bytes.Buffer
}

func (b *chanBuf) add(p []byte) {
	b.c <- struct{}{}
	b.buf.Write(p)
	<-b.c
}

func (b *chanBuf) get() string {
	b.c <- struct{}{}
	defer func() { <-b.c }()
	return b.buf.String()
}

// TestKeyPromptOnTerminal: --masterkey-file - on a terminal asks
// "Recovery key:" and does not echo what is typed.
func TestKeyPromptOnTerminal(t *testing.T) {
	dir, _, key := makeVault(t, "pw")
	code, _, screen := ptyDialog(t, []string{"Recovery key: "}, []string{key}, "ls", "--masterkey-file", "-", dir)
	if code != exitOK {
		t.Fatalf("exit %d; terminal:\n%s", code, screen)
	}
	if strings.Contains(screen, key[:8]) {
		t.Errorf("the recovery key was echoed:\n%q", screen)
	}
}

// TestLooseSecretFileWarns: a passfile or key file that group or others
// can read gets a warning naming it; a 0600 one does not.
func TestLooseSecretFileWarns(t *testing.T) {
	dir, pf, key := makeVault(t, "pw")
	keyFile := tempFile(t, "key", key+"\n")
	r := expectCode(t, exitOK, "", "ls", "--passfile", pf, dir)
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("a 0600 passfile got a warning:\n%s", r.stderr)
	}
	for _, f := range []string{pf, keyFile} {
		os.Chmod(f, 0o644)
	}
	r = expectCode(t, exitOK, "", "ls", "--passfile", pf, dir)
	mustContain(t, "passfile 0644", r.stderr, "warning: ", pf, "readable by group or others", "chmod 600")
	r = expectCode(t, exitOK, "", "ls", "--masterkey-file", keyFile, dir)
	mustContain(t, "key file 0644", r.stderr, "warning: ", keyFile, "readable by group or others")
	os.Chmod(keyFile, 0o640)
	r = expectCode(t, exitOK, "", "ls", "--masterkey-file", keyFile, dir)
	mustContain(t, "key file 0640", r.stderr, "warning: ", keyFile)
}
