package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const manFile = "../../dist/cofferfs.1"

// TestManPage checks that dist/cofferfs.1 is the page the command table
// makes (COFFERFS_UPDATE_MAN=1 rewrites it) and that man renders it
// without warnings.
func TestManPage(t *testing.T) {
	var buf bytes.Buffer
	(&env{commands: commands}).writeManPage(&buf)
	page := buf.String()
	mustContain(t, "man page", page, ".SS run", "cofferfs completion", `\-f, \-\-foreground`, ".B 26", "export", "\\-\\-update")
	if strings.Contains(page, "daemon-child") {
		t.Error("the man page shows an internal flag")
	}
	if os.Getenv("COFFERFS_UPDATE_MAN") == "1" {
		if err := os.WriteFile(manFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(manFile)
	if err != nil || string(got) != page {
		t.Fatalf("%s is not current (%v): run \"go generate ./cmd/cofferfs\"", manFile, err)
	}
	cmd := exec.Command("man", "--warnings", "-l", manFile)
	cmd.Env = append(os.Environ(), "MANWIDTH=80")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("man -l %s: %v\n%s", manFile, err, stderr.String())
	}
	plain := regexp.MustCompile(".\b").ReplaceAllString(string(out), "") // overstrikes
	mustContain(t, "rendered page", plain, "COFFERFS(1)", "EXIT STATUS", "SHELL COMPLETION")
}

func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		r := expectCode(t, exitOK, "", "completion", sh)
		p := filepath.Join(t.TempDir(), "c."+sh)
		if err := os.WriteFile(p, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		var script string
		var want []string
		switch sh {
		case "bash":
			script = `source "$1"
COMP_WORDS=(cofferfs mo); COMP_CWORD=1; _cofferfs; echo "${COMPREPLY[*]}"
COMP_WORDS=(cofferfs mount --fo); COMP_CWORD=2; _cofferfs; echo "${COMPREPLY[*]}"
COMP_WORDS=(cofferfs import --up); COMP_CWORD=2; _cofferfs; echo "${COMPREPLY[*]}"
COMP_WORDS=(cofferfs completion f); COMP_CWORD=2; _cofferfs; echo "${COMPREPLY[*]}"`
			want = []string{"mount\n--foreground\n--update\nfish\n"}
		case "zsh":
			script = `autoload -U compinit; compinit -u -d "$1.dump"; source "$1"; echo $_comps[cofferfs]`
			want = []string{"_cofferfs\n"}
		case "fish":
			script = `source $argv[1]; complete -C "cofferfs mo"; complete -C "cofferfs mount --fo"; complete -C "cofferfs export --pa"`
			want = []string{"mount\tmount the plaintext view", "--foreground\tstay in the foreground", "--path\t"}
		}
		cmd := exec.Command(sh, "-c", script, "test", p)
		if sh == "fish" {
			cmd = exec.Command(sh, "-c", script, p)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", sh, err, out)
		}
		mustContain(t, sh+" completion", string(out), want...)
	}
	expectCode(t, exitUsage, "", "completion", "tcsh")
}

// TestInstall runs scripts/install.sh into a temporary prefix: "man
// cofferfs" finds the page there, and the installed binary names the
// revision it was built from.
func TestInstall(t *testing.T) {
	prefix := t.TempDir()
	cmd := exec.Command("bash", "../../scripts/install.sh")
	cmd.Env = append(os.Environ(), "PREFIX="+prefix, "SBINDIR="+filepath.Join(prefix, "sbin"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	man := exec.Command("man", "-w", "cofferfs")
	man.Env = append(os.Environ(), "MANPATH="+filepath.Join(prefix, "share/man"))
	if out, err := man.Output(); err != nil || strings.TrimSpace(string(out)) != filepath.Join(prefix, "share/man/man1/cofferfs.1") {
		t.Errorf("man -w cofferfs: %q, %v", out, err)
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(prefix, "bin/cofferfs"), "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "cofferfs ") || !strings.Contains(string(out), "revision "+strings.TrimSpace(string(head))) {
		t.Errorf("version: %q, %v; want revision %s", out, err, head)
	}
}
