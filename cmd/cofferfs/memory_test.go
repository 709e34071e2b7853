package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestHardenProcess: a process that holds keys cannot dump core.
func TestHardenProcess(t *testing.T) {
	hardenProcess()
	if d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); err != nil || d != 0 {
		t.Errorf("dumpable = %d, %v; want 0", d, err)
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &rl); err != nil || rl.Cur != 0 {
		t.Errorf("RLIMIT_CORE = %+v, %v; want 0", rl, err)
	}
}

// TestServingProcessHoldsNoSecret: a foreground mount (as the systemd
// unit runs it) keeps neither the password nor the recovery key (text or
// raw bytes) in its memory while it serves, and cannot dump core.
func TestServingProcessHoldsNoSecret(t *testing.T) {
	needMount(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	cipher, mnt := filepath.Join(dir, "cipher"), filepath.Join(dir, "mnt")
	os.Mkdir(mnt, 0o755)
	secret := make([]byte, 16)
	rand.Read(secret)
	pw := "pw-" + hex.EncodeToString(secret)
	pf := filepath.Join(dir, "pw")
	os.WriteFile(pf, []byte(pw+"\n"), 0o600)
	kf := filepath.Join(dir, "key")
	if out, err := exec.Command(bin, "init", "--scryptn", "10", "--passfile", pf, "--recovery-key-file", kf, cipher).CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	keyText, _ := os.ReadFile(kf)
	keyText = bytes.TrimSpace(keyText)
	rawKey, _ := hex.DecodeString(strings.ReplaceAll(string(keyText), "-", ""))
	plainHex := bytes.ReplaceAll(keyText, []byte("-"), nil)
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
	}{
		{"password on stdin", nil, pw + "\n"},
		{"passfile", []string{"--passfile", pf}, ""},
		{"recovery key file", []string{"--masterkey-file", kf}, ""},
		{"recovery key on stdin", []string{"--masterkey-file", "-"}, string(keyText) + "\n"},
		{"password on a terminal", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"mount", "-f"}, tc.args...), cipher, mnt)
			cmd := exec.Command(bin, args...)
			cmd.Stdin = strings.NewReader(tc.stdin)
			if tc.name == "password on a terminal" {
				ptm, pts := openPty(t, 80)
				cmd.Stdin = pts
				ptm.Write([]byte(pw + "\n"))
				go io.Copy(io.Discard, ptm) // the echo, if any
			}
			var errb bytes.Buffer
			cmd.Stderr = &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				cmd.Process.Signal(syscall.SIGTERM)
				cmd.Wait()
			}()
			for i := 0; !isMounted(t, mnt); i++ {
				if i > 500 {
					t.Fatalf("not mounted after 10 s:\n%s", errb.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			pid := cmd.Process.Pid
			limits, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/limits")
			if !regexp.MustCompile(`(?m)^Max core file size\s+0\s`).Match(limits) {
				t.Errorf("core dumps not off in the serving process:\n%s", limits)
			}
			// A prefix too: a growing read buffer leaves copies of parts.
			found := findInMemory(t, pid, map[string][]byte{"password": []byte(pw),
				"password prefix": []byte(pw[:20]), "recovery key": keyText,
				"recovery key hex": plainHex, "master key": rawKey})
			for what, where := range found {
				t.Errorf("the %s is in the serving process's memory (%s)", what, where)
			}
		})
	}
}

// findInMemory reads the writable memory of process pid once and
// returns, for each needle it holds, the mapping it was found in.
func findInMemory(t *testing.T, pid int, needles map[string][]byte) map[string]string {
	t.Helper()
	maps, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer maps.Close()
	mem, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mem")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	found := map[string]string{}
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.HasPrefix(f[1], "rw") || strings.HasSuffix(sc.Text(), "[vvar]") {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, _ := strconv.ParseUint(lo, 16, 64)
		end, _ := strconv.ParseUint(hi, 16, 64)
		buf := make([]byte, end-start)
		n, _ := mem.ReadAt(buf, int64(start))
		for what, needle := range needles {
			if _, ok := found[what]; !ok && bytes.Contains(buf[:n], needle) {
				found[what] = sc.Text()
			}
		}
	}
	return found
}
