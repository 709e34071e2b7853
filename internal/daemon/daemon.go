package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// A background mount is this executable started again with a marker
// flag. The parent unlocks the vault (so a wrong password fails in the
// foreground), then passes the master key to the child through a pipe
// (fd 3) — never in argv or the environment — and waits on a second pipe
// (fd 4) until the child reports that the mount is ready, or why not.

// Child descriptors of the daemon protocol.
const (
	SecretFD = 3
	ReadyFD  = 4
)

// DaemonError is a failure the background daemon reported before its
// mount was ready, with the exit code it chose.
type DaemonError struct {
	Code int
	Msg  string
}

// Error implements error.
func (e *DaemonError) Error() string { return e.Msg }

// Spawn starts os.Executable with args as a background daemon in a new
// session, hands it secret on fd 3, sends its stderr to logPath, and
// waits for its readiness report.
func Spawn(args []string, secret []byte, logPath string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	secR, secW, err := os.Pipe()
	if err != nil {
		return err
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	logf, err := openLog(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/" // never keep the caller's directory (maybe another mount) busy
	cmd.ExtraFiles = []*os.File{secR, readyW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	secR.Close()
	readyW.Close()
	if err != nil {
		secW.Close()
		readyR.Close()
		return err
	}
	secW.Write(secret)
	secW.Close()
	defer readyR.Close()
	go cmd.Wait() // reap if it exits early; the daemon outlives us otherwise
	return readReady(readyR, logPath)
}

func readReady(r io.Reader, logPath string) error {
	line, err := bufio.NewReader(r).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "ok" {
		return nil
	}
	if code, msg, ok := strings.Cut(line, " "); ok && strings.HasPrefix(code, "err:") {
		n, _ := strconv.Atoi(strings.TrimPrefix(code, "err:"))
		return &DaemonError{Code: n, Msg: msg}
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = fmt.Errorf("the background daemon exited before the mount was ready (see %s)", logPath)
	}
	return err
}

// ChildSecret reads the secret the parent passed on fd 3.
func ChildSecret() ([]byte, error) {
	f := os.NewFile(SecretFD, "secret")
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 4096))
}

// ReportReady tells the waiting parent the mount is ready (err nil) or
// failed with exit code code.
func ReportReady(err error, code int) {
	f := os.NewFile(ReadyFD, "ready")
	defer f.Close()
	if err == nil {
		io.WriteString(f, "ok\n")
		return
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(f, "err:%d %s\n", code, msg)
}
