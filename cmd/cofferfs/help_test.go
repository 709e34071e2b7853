package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestCommandHelpForms(t *testing.T) {
	for _, args := range [][]string{{"help", "run"}, {"run", "--help"}, {"run", "-h"}, {"run", "x", "--help"}} {
		r := expectCode(t, exitOK, "", args...)
		mustContain(t, strings.Join(args, " "), r.stdout, "Usage: cofferfs run", "--mountpoint DIR", "Flags:")
	}
	r := expectCode(t, exitOK, "", "help", "mount")
	mustContain(t, "help mount", r.stdout, "  -f, --foreground ", "  --idle DURATION ")
	for _, bad := range []string{"--f ", "daemon-child", "internal"} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("help mount shows %q:\n%s", bad, r.stdout)
		}
	}
	mustContain(t, "help ls", expectCode(t, exitOK, "", "help", "ls").stdout, "  -l ")
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"mount", "--idle", "5", "v", "m"}, []string{`invalid value "5" for --idle: use a duration like 5m`}, "parse error"},
		{[]string{"info", "--bogus", "v"}, []string{"unknown flag --bogus"}, " -bogus"},
		{[]string{"info", "-bogus", "v"}, []string{"unknown flag --bogus"}, " -bogus"},
		{[]string{"mount", "-allow_other", "v", "m"}, []string{"unknown flag --allow_other", "hint: did you mean --allow-other?"}, ""},
		{[]string{"mount", "-i", "5m", "v", "m"}, []string{"unknown flag -i", "hint: did you mean --idle?"}, ""},
		{[]string{"ls", "-masterkey=0123", "v"}, []string{"unknown flag --masterkey", "hint: did you mean --masterkey-file?"}, ""},
		{[]string{"mount", "-fsck", "v"}, []string{"unknown flag --fsck", `hint: did you mean "cofferfs fsck CIPHERDIR"?`}, ""},
		{[]string{"-fsck", "v"}, []string{`unknown command "-fsck"`, `hint: did you mean "cofferfs fsck CIPHERDIR"?`}, ""},
		{[]string{"-passwd", "v"}, []string{`hint: did you mean "cofferfs passwd CIPHERDIR"?`}, ""},
		{[]string{"init", "--scryptn", "x", "v"}, []string{`invalid value "x" for --scryptn: use a whole number`}, ""},
		{[]string{"ls", "--passfile"}, []string{"--passfile needs an argument"}, ""},
	} {
		r := expectCode(t, exitUsage, "", tc.args...)
		name := strings.Join(tc.args, " ")
		mustContain(t, name, r.stderr, tc.want...)
		if tc.not != "" && strings.Contains(r.stderr, tc.not) {
			t.Errorf("%s: stderr has %q:\n%s", name, tc.not, r.stderr)
		}
	}
}

func TestVersionLine(t *testing.T) {
	bi := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}}
	got := versionLine(bi)
	mustContain(t, "version", got, "cofferfs devel, revision 0123abcd (modified), go")
	mustContain(t, "version without VCS", versionLine(nil), "revision unknown")
}
