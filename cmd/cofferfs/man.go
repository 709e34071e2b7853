package main

import (
	"fmt"
	"io"
	"strings"
)

// The man page dist/cofferfs.1 is generated from the command table by
// writeManPage; TestManPage fails when the file is not current and
// rewrites it when run with COFFERFS_UPDATE_MAN=1:
//
//go:generate env COFFERFS_UPDATE_MAN=1 go test -run TestManPage .

// roffEscape makes s safe as roff text: backslashes and dashes are
// escaped, and a line may not start with a control character.
func roffEscape(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}

// writeManPage writes the cofferfs(1) man page in roff.
func (e *env) writeManPage(w io.Writer) {
	fmt.Fprintf(w, ".\\\" Generated from the command table by cmd/cofferfs (go generate); do not edit.\n")
	fmt.Fprintf(w, ".TH COFFERFS 1 \"\" \"cofferfs\" \"User Commands\"\n")
	fmt.Fprintf(w, ".SH NAME\ncofferfs \\- encrypted backups in the gocryptfs v2 format\n")
	fmt.Fprintf(w, ".SH SYNOPSIS\n.B cofferfs\n.I command\n.RI [ flags ]\n.RI [ arguments ]\n")
	fmt.Fprintf(w, ".SH DESCRIPTION\n%s\n", roffEscape(manDescription[0]))
	for _, p := range manDescription[1:] {
		fmt.Fprintf(w, ".PP\n%s\n", roffEscape(p))
	}
	fmt.Fprintf(w, ".SH COMMANDS\n")
	for _, cf := range e.allFlags() {
		writeManCommand(w, cf)
	}
	fmt.Fprintf(w, ".SH UNLOCKING\n.nf\n%s\n.fi\n", roffEscape(strings.TrimPrefix(unlockHelp, "Unlocking ([unlock] above; only one of these):\n")))
	fmt.Fprintf(w, ".SH EXIT STATUS\n")
	for _, x := range exitCodes {
		fmt.Fprintf(w, ".TP\n.B %d\n%s\n", x.code, roffEscape(x.meaning))
	}
	fmt.Fprintf(w, ".SH SHELL COMPLETION\n%s\n.PP\n.nf\n%s\n.fi\n", roffEscape(manCompletion[0]), roffEscape(manCompletion[1]))
	fmt.Fprintf(w, ".SH SEE ALSO\n.BR gocryptfs (1),\n.BR fusermount3 (1),\n.BR mount (8)\n")
}

// writeManCommand writes the entry of one command: synopsis, summary,
// help text and flags.
func writeManCommand(w io.Writer, cf cmdFlags) {
	fmt.Fprintf(w, ".SS %s\n.B %s\n.PP\n%s.\n", cf.c.name, roffEscape(synopsis(cf.c)), roffEscape(upperFirst(cf.c.summary)))
	if cf.c.help != "" {
		fmt.Fprintf(w, ".PP\n.nf\n%s\n.fi\n", roffEscape(strings.TrimSpace(cf.c.help)))
	}
	for _, g := range cf.flags {
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", roffEscape(g.spelling()), roffEscape(g.usage))
	}
}

// manDescription are the paragraphs of the DESCRIPTION section.
var manDescription = []string{
	`cofferfs creates, opens, exports and imports encrypted vaults in the gocryptfs v2 on-disk format, for backups into synced folders (Dropbox, Syncthing, ...). A vault is a directory (CIPHERDIR) of encrypted files; cofferfs and gocryptfs open each other's vaults.`,
	`Results go to stdout; everything else goes to stderr, each line starting with "cofferfs: ". Flags may be written -flag or --flag, before, between or after the arguments; "--" ends them. "cofferfs help COMMAND" and "cofferfs COMMAND --help" print the help of one command.`,
	`-q, where a command says more than its result, drops progress, summaries and notes, as in restic and rsync; results, errors, warnings and hints stay. Durations are printed as the flags take them: 45s, 12m, 1h5m. A background mount logs one line per event in the style of the other messages to syslog (tag cofferfs), or without syslog to its log file in the state directory; "cofferfs status" shows where.`,
}

// manCompletion is the SHELL COMPLETION section: a paragraph and an
// example kept as it is.
var manCompletion = []string{
	`"cofferfs completion bash|zsh|fish" prints a completion script for commands, flags and file names. Load it from the start-up file of the shell:`,
	`  source <(cofferfs completion bash)      # ~/.bashrc
  source <(cofferfs completion zsh)       # ~/.zshrc, after compinit
  cofferfs completion fish | source       # ~/.config/fish/config.fish`,
}
