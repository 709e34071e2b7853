package main

import (
	"flag"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The flag package words its errors for the -flag style and names every
// flag with one dash. flagError rewords them in the style of the help
// (--name, -x for one letter), tells what a valid value looks like, and
// suggests the cofferfs spelling of flags and commands that gocryptfs
// users type.
var (
	reUnknownFlag = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	reBadValue    = regexp.MustCompile(`^invalid (?:boolean )?value ("[^"]*") for (?:flag )?-+([^:]*): (.*)$`)
	reNeedsArg    = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
)

// gocryptfsSpellings maps flags of gocryptfs (and common slips) to what
// cofferfs calls them: a flag (if the command has it) or a command.
var gocryptfsSpellings = map[string]string{
	"allow_other": "--allow-other",
	"i":           "--idle",
	"masterkey":   "--masterkey-file",
	"fg":          "--foreground",
	"nosyslog":    "--foreground",
	"quiet":       "-q",
	"longnames":   "--longnamemax",
	"fsck":        `"cofferfs fsck CIPHERDIR"`,
	"passwd":      `"cofferfs passwd CIPHERDIR"`,
	"init":        `"cofferfs init CIPHERDIR"`,
	"info":        `"cofferfs info CIPHERDIR"`,
	"version":     `"cofferfs version"`,
	"unmount":     `"cofferfs unmount MOUNTPOINT"`,
	"u":           `"cofferfs unmount MOUNTPOINT"`,
}

// flagError turns a parse error of fs into a usage error of c.
func (e *env) flagError(c *command, fs *flag.FlagSet, err error) error {
	msg := err.Error()
	var hint string
	if m := reUnknownFlag.FindStringSubmatch(msg); m != nil {
		name, _, _ := strings.Cut(m[1], "=")
		msg = "unknown flag " + flagName(name)
		hint = suggestFlag(fs, name)
	} else if m := reBadValue.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("invalid value %s for %s: %s", m[1], flagName(m[2]), valueHint(fs.Lookup(m[2]), m[3]))
	} else if m := reNeedsArg.FindStringSubmatch(msg); m != nil {
		msg = flagName(m[1]) + " needs an argument"
	}
	x := e.usageError(c, "%s", msg)
	if hint != "" {
		x.hints = append([]string{"did you mean " + hint + "?"}, x.hints...)
	}
	return x
}

// flagName is how help and errors write a flag: -x or --name.
func flagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// valueHint says what a valid value of f looks like, or returns the
// flag package's reason for other kinds of flags.
func valueHint(f *flag.Flag, reason string) string {
	if f == nil {
		return reason
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return reason
	}
	switch g.Get().(type) {
	case time.Duration:
		return "use a duration like 5m, 90s or 1h30m"
	case int, int64, uint, uint64:
		return "use a whole number"
	case bool:
		return "use true or false"
	}
	return reason
}

// suggestFlag returns the cofferfs spelling of the unknown flag name, or
// "" if there is none that fits the command.
func suggestFlag(fs *flag.FlagSet, name string) string {
	if s, ok := gocryptfsSpellings[name]; ok {
		if strings.HasPrefix(s, `"`) {
			return s
		}
		if fs != nil && fs.Lookup(strings.TrimLeft(s, "-")) != nil {
			return s
		}
		return ""
	}
	if alt := strings.ReplaceAll(name, "_", "-"); fs != nil && fs.Lookup(alt) != nil {
		return flagName(alt)
	}
	return ""
}

// suggestCommand returns the cofferfs command for a gocryptfs flag given
// in place of a command (cofferfs -fsck DIR), or "".
func suggestCommand(arg string) string {
	if !strings.HasPrefix(arg, "-") {
		return ""
	}
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if s := gocryptfsSpellings[name]; strings.HasPrefix(s, `"`) {
		return s
	}
	return ""
}
