package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
)

// version is the program version; release builds set it with
// -ldflags "-X main.version=v1.2.3".
var version = ""

var helpCommand = &command{
	name:    "help",
	args:    "[COMMAND | exit-codes]",
	summary: "show this text, the help of a command, or the exit codes",
	run:     runHelp,
}

var versionCommand = &command{
	name:    "version",
	args:    "",
	summary: "print the version",
	run:     runVersion,
}

const unlockHelp = `Unlocking ([unlock] above; only one of these):
  (none)                 ask for the password (without echo) on a terminal,
                         or read one line from stdin when it is not one
  --passfile FILE        the first line of FILE is the password
  --extpass CMD          the first line printed by "sh -c CMD" is the password
  --masterkey-file FILE  the recovery key printed by init (64 hex digits;
                         dashes and spaces are ignored; - reads stdin)`

func runHelp(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	pos, err := e.parse(c, fs, args, 0, 1)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		e.usage(e.stdout)
		return nil
	}
	if pos[0] == "exit-codes" {
		printExitCodes(e.stdout)
		return nil
	}
	target := e.lookup(pos[0])
	if target == nil {
		return failf(exitUsage, "help: unknown command %q", pos[0]).
			withHint(`run "cofferfs help" for the list of commands`)
	}
	return target.run(e, target, []string{"-h"})
}

// usage writes the general usage text.
func (e *env) usage(w io.Writer) {
	fmt.Fprintf(w, "cofferfs: encrypted backups in the gocryptfs v2 format\n\n")
	fmt.Fprintf(w, "Commands:\n")
	for _, c := range e.commands {
		fmt.Fprintf(w, "  %s\n        %s\n", synopsis(c), c.summary)
	}
	fmt.Fprintf(w, "\n%s\n\n", unlockHelp)
	fmt.Fprintf(w, "Flags may be written -flag or --flag, before or after the arguments.\n")
	fmt.Fprintf(w, "Run \"cofferfs help COMMAND\" for the flags of a command and\n")
	fmt.Fprintf(w, "\"cofferfs help exit-codes\" for the exit codes.\n")
}

// commandHelp writes the help of one command, with its flags.
func (e *env) commandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s\n\n%s.\n", synopsis(c), upperFirst(c.summary))
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	var flags strings.Builder
	tw := tabwriter.NewWriter(&flags, 0, 8, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		if arg != "" {
			arg = " " + arg
		}
		fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, arg, usage)
	})
	tw.Flush()
	if flags.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", flags.String())
	}
	if strings.Contains(c.args, "[unlock]") {
		fmt.Fprintf(w, "\n%s\n", unlockHelp)
	}
}

// synopsis returns the command line of c, e.g. "cofferfs info CIPHERDIR".
func synopsis(c *command) string {
	return strings.TrimSpace("cofferfs " + c.name + " " + c.args)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// printExitCodes writes the exit-code table.
func printExitCodes(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, x := range exitCodes {
		fmt.Fprintf(tw, "  %d\t%s\n", x.code, x.meaning)
	}
	tw.Flush()
}

func runVersion(e *env, c *command, args []string) error {
	if _, err := e.parse(c, newFlagSet(c), args, 0, 0); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "cofferfs %s (%s %s/%s)\n", programVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// programVersion returns version, or the module version the binary was
// built from, or "devel".
func programVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
