package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// openPty opens a new pseudo-terminal with cols columns and returns its
// two sides; what is written to the terminal side can be read from the
// controller side. Output post-processing is off, so "\n" stays "\n".
func openPty(t *testing.T, cols int) (ctrl, tty *os.File) {
	t.Helper()
	ctrl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctrl.Close() })
	fd := int(ctrl.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Oflag &^= unix.OPOST
	if err := unix.IoctlSetTermios(int(tty.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return ctrl, tty
}

// runOnPty runs the command in-process with stderr on a terminal of
// cols columns and returns the exit code and what the terminal got.
func runOnPty(t *testing.T, cols int, args ...string) (int, string) {
	t.Helper()
	ctrl, tty := openPty(t, cols)
	got := make(chan []byte)
	go func() {
		var buf bytes.Buffer
		io.Copy(&buf, ctrl) // ends with EIO when the terminal side is closed
		got <- buf.Bytes()
	}()
	var stdout bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, tty)
	tty.Close()
	return code, string(<-got)
}

var barDraw = regexp.MustCompile(`\r([^\r\n]*)`)

// checkDraws checks every drawing of the bar in out: it fits in cols-1
// columns (so the terminal never wraps it) and clears the rest of the
// line; it returns the drawn texts.
func checkDraws(t *testing.T, cols int, out string) []string {
	t.Helper()
	var texts []string
	for _, m := range barDraw.FindAllStringSubmatch(out, -1) {
		if strings.HasPrefix(m[1], "\x1b[K") {
			continue // the bar cleared for a message
		}
		text, ok := strings.CutSuffix(m[1], "\x1b[K")
		if !ok {
			t.Errorf("a drawing that does not clear to the end of the line: %q", m[1])
		}
		if n := utf8.RuneCountInString(text); n > cols-1 {
			t.Errorf("a drawing of %d characters on a %d-column terminal: %q", n, cols, text)
		}
		if text != "" {
			texts = append(texts, text)
		}
	}
	return texts
}

func TestProgressOnTerminal(t *testing.T) {
	dir, pf, _ := makeVault(t, "pw")
	src := t.TempDir()
	big := make([]byte, 24<<20)
	rand.Read(big)
	for i, name := range []string{"big.bin", "b/small.txt", "c/d/other.txt"} {
		p := filepath.Join(src, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, big[:len(big)>>(10*i)], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink("big.bin", filepath.Join(src, "link"))
	for _, cols := range []int{80, 40} {
		code, out := runOnPty(t, cols, "import", "--force", "--passfile", pf, src, dir)
		if code != exitOK {
			t.Fatalf("import: exit %d\n%q", code, out)
		}
		texts := checkDraws(t, cols, out)
		t.Logf("%d columns: %q", cols, texts)
		if len(texts) == 0 || !strings.HasPrefix(texts[0], "counting…") {
			t.Errorf("%d columns: the first drawing is not the counting state: %q", cols, texts)
		}
		mustContain(t, "summary", out, "cofferfs: imported 3 files (")
		for _, text := range texts {
			if m := regexp.MustCompile(`\d+/(\d+) files`).FindStringSubmatch(text); m != nil && m[1] != "3" {
				t.Errorf("the bar counts %s files, the summary 3: %q", m[1], text)
			}
		}
		code, out = runOnPty(t, cols, "export", "--force", "--passfile", pf, dir, t.TempDir())
		if code != exitOK {
			t.Fatalf("export: exit %d\n%q", code, out)
		}
		checkDraws(t, cols, out)
		mustContain(t, "summary", out, "cofferfs: exported 3 files (")
	}
}
