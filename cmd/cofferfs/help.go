package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"
)

// version is the program version; release builds set it with
// -ldflags "-X main.version=v1.2.3".
var version = ""

// revision and modified name the VCS revision the binary was built from
// when the build info does not (scripts/install.sh sets them with -X).
var revision, modified = "", ""

var helpCommand = &command{
	name:    "help",
	args:    "[COMMAND | exit-codes]",
	summary: "show this text, the help of a command, or the exit codes",
	run:     runHelp,
}

var versionCommand = &command{
	name:    "version",
	args:    "",
	summary: "print the version and the revision it was built from",
	run:     runVersion,
}

const unlockHelp = `Unlocking ([unlock] above; only one of these):
  (none)                 ask for the password (without echo) on a terminal,
                         or read one line from stdin when it is not one
  --passfile FILE        the first line of FILE is the password
  --extpass CMD          the first line printed by "sh -c CMD" is the password
  --masterkey-file FILE  the recovery key printed by init (64 hex digits;
                         dashes and spaces are ignored; - reads stdin,
                         on a terminal asking "Recovery key:" without echo)
A passfile or key file that group or others can read gets a warning.
With none of these flags, the environment variables COFFERFS_PASSWORD_FILE,
COFFERFS_PASSWORD_COMMAND or COFFERFS_MASTERKEY_FILE (only one of them) stand
for --passfile, --extpass and --masterkey-file; a flag wins over them.`

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
	fmt.Fprintf(w, "-q (where a command says more than its result) drops progress, summaries\n")
	fmt.Fprintf(w, "and notes; results, errors, warnings and hints stay. Durations are written\n")
	fmt.Fprintf(w, "as the flags take them: 45s, 12m, 1h5m.\n")
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
	for _, g := range flagGroups(fs) {
		fmt.Fprintf(tw, "  %s\t%s\n", g.spelling(), g.usage)
	}
	tw.Flush()
	if flags.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", flags.String())
	}
	if strings.Contains(c.args, "[unlock]") {
		fmt.Fprintf(w, "\n%s\n", unlockHelp)
	}
}

// flagGroup is one flag of a command with all its names (-f and
// --foreground set the same value).
type flagGroup struct {
	names []string // short names first
	arg   string   // the name of the argument, "" for a bool flag
	usage string
}

// spelling returns the names and argument, e.g. "-f, --foreground" or
// "--passfile FILE".
func (g *flagGroup) spelling() string {
	var names []string
	for _, n := range g.names {
		names = append(names, flagName(n))
	}
	s := strings.Join(names, ", ")
	if g.arg != "" {
		s += " " + g.arg
	}
	return s
}

// flagGroups returns the flags of fs that users see, in name order,
// with the flags that set one variable merged. Flags whose usage starts
// with "internal:" are left out.
func flagGroups(fs *flag.FlagSet) []*flagGroup {
	var groups []*flagGroup
	byValue := map[any]*flagGroup{}
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, "internal:") {
			return
		}
		key := valueKey(f.Value)
		if g := byValue[key]; key != nil && g != nil {
			g.names = append(g.names, f.Name)
			slices.SortFunc(g.names, func(a, b string) int { return cmp.Compare(len(a), len(b)) })
			return
		}
		arg, usage := flag.UnquoteUsage(f)
		g := &flagGroup{names: []string{f.Name}, arg: arg, usage: usage}
		groups = append(groups, g)
		if key != nil {
			byValue[key] = g
		}
	})
	return groups
}

// valueKey identifies the variable a flag sets: the pointer its Value
// is, or nil for values that are not pointers.
func valueKey(v flag.Value) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return nil
	}
	return rv.Pointer()
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
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(e.stdout, versionLine(bi))
	return nil
}

// versionLine returns what "cofferfs version" prints: the version, the
// VCS revision the binary was built from (with "modified" when the work
// tree had uncommitted changes) and the Go version and platform.
func versionLine(bi *debug.BuildInfo) string {
	rev, dirty := "unknown", modified == "true"
	if revision != "" {
		rev = revision
	}
	if bi != nil {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if dirty {
		rev += " (modified)"
	}
	return fmt.Sprintf("cofferfs %s, revision %s, %s %s/%s",
		moduleVersion(bi), rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// programVersion returns version, or the module version the binary was
// built from, or "devel".
func programVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return moduleVersion(bi)
}

// moduleVersion is programVersion with the build info given.
func moduleVersion(bi *debug.BuildInfo) string {
	if version != "" {
		return version
	}
	if bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
