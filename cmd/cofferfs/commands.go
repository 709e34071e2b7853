package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// commands is the table of subcommands, in the order the usage text lists
// them. Adding a subcommand is one line here plus a file that defines its
// *command.
var commands = []*command{
	initCommand,
	passwdCommand,
	infoCommand,
	duCommand,
	lsCommand,
	catCommand,
	pathCommand,
	fsckCommand,
	verifyCommand,
	checkPathsCommand,
	exportCommand,
	importCommand,
	mountCommand,
	unmountCommand,
	lockCommand,
	statusCommand,
	runCommand,
	versionCommand,
	completionCommand,
	helpCommand,
}

// command is one subcommand.
type command struct {
	// name is the word that selects the command.
	name string
	// args is the synopsis after the name, e.g. "[unlock] CIPHERDIR".
	args string
	// summary is a one-line description for the command list.
	summary string
	// help is a longer description for "cofferfs help NAME"; optional.
	help string
	// run parses args (everything after the name) and does the work.
	run func(e *env, c *command, args []string) error
}

// run is the whole program: it dispatches args to a subcommand and
// returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	hardenProcess()
	if len(args) == 1 && args[0] == unwrapHelperArg {
		return runUnwrapHelper(stdin, stdout)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, commands: commands}
	if len(args) == 0 {
		e.usage(stderr)
		return e.exit(failf(exitUsage, "no command given"))
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-version", "--version":
		name = "version"
	}
	c := e.lookup(name)
	if c == nil {
		x := failf(exitUsage, "unknown command %q", args[0])
		if s := suggestCommand(args[0]); s != "" {
			x.withHint("did you mean %s?", s)
		}
		return e.exit(x.withHint(`run "cofferfs help" for the list of commands`))
	}
	return e.exit(c.run(e, c, args[1:]))
}

// lookup returns the command called name, or nil.
func (e *env) lookup(name string) *command {
	for _, c := range e.commands {
		if c.name == name {
			return c
		}
	}
	return nil
}
