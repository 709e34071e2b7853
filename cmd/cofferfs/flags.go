package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns an empty flag set for c that prints nothing itself.
func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// asksHelp reports whether args, up to a "--", ask for help.
func asksHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// parse parses args with fs, allowing flags before, between and after the
// positional arguments ("--" ends the flags), and checks that there are
// between min and max positional arguments (max < 0: no limit). -h prints
// the help of c on stdout and ends the command with exit code 0.
func (e *env) parse(c *command, fs *flag.FlagSet, args []string, min, max int) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			if e.onHelp != nil {
				e.onHelp(fs)
			} else {
				e.commandHelp(e.stdout, c, fs)
			}
			return nil, errQuiet
		}
		if err != nil {
			return nil, e.flagError(c, fs, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	switch {
	case len(pos) < min:
		return nil, e.usageError(c, "missing arguments")
	case max >= 0 && len(pos) > max:
		return nil, e.usageError(c, "too many arguments: %s", strings.Join(pos[max:], " "))
	}
	return pos, nil
}

// usageError is a command-line error of c (exit code 1).
func (e *env) usageError(c *command, format string, args ...any) *exitError {
	return failf(exitUsage, "%s: %s", c.name, fmt.Sprintf(format, args...)).
		withHint("usage: %s", synopsis(c)).
		withHint(`run "cofferfs help %s" for details`, c.name)
}

// unlockFlags are the ways to unlock a vault, shared by every command
// that needs the key.
type unlockFlags struct {
	passfile string
	extpass  string
	keyFile  string
	// writesKey is set by commands that store the unlocked key (passwd):
	// an unverifiable recovery key is refused as for a write.
	writesKey bool
}

// register adds the unlock flags to fs.
func (u *unlockFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&u.passfile, "passfile", "", "read the password from the first line of `FILE`")
	fs.StringVar(&u.extpass, "extpass", "", "read the password from the first line printed by `CMD` (run with sh -c)")
	fs.StringVar(&u.keyFile, "masterkey-file", "", "unlock with the recovery key (64 hex digits) in `FILE` (- for stdin)")
}

// check rejects more than one way to unlock.
func (u *unlockFlags) check(e *env, c *command) error {
	n := 0
	for _, s := range []string{u.passfile, u.extpass, u.keyFile} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return e.usageError(c, "use only one of --passfile, --extpass and --masterkey-file")
	}
	return nil
}
