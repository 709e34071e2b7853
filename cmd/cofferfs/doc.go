// Command cofferfs creates, opens, exports and imports encrypted vaults in
// the gocryptfs v2 on-disk format, so that gocryptfs and cofferfs can open
// each other's vaults.
//
// Usage:
//
//	cofferfs init [unlock] [--scryptn N] [--xchacha] [--longnamemax N | --profile P] [--key-only] [--recovery-key-file FILE] [-q] CIPHERDIR
//	cofferfs init [unlock] --reverse [--scryptn N] [--longnamemax N] [--key-only] [--recovery-key-file FILE] [-q] PLAINDIR
//	cofferfs passwd [unlock] [--new-passfile FILE] [--scryptn N] [--no-backup] [-q] CIPHERDIR
//	cofferfs info CIPHERDIR
//	cofferfs du [unlock] [--json] [-q] [--no-progress] CIPHERDIR [PATH]
//	cofferfs ls [unlock] [-l] CIPHERDIR [PATH]
//	cofferfs cat [unlock] CIPHERDIR PATH
//	cofferfs path [unlock] [--cipher | --relative | --root DIR] CIPHERDIR PATH
//	cofferfs fsck [unlock] [--json] [--repair] [-q] [--no-progress] CIPHERDIR
//	cofferfs verify [unlock] [--json] [--accept] [-q] [--no-progress] CIPHERDIR
//	cofferfs check-paths [--profile P] [--root DIR] [unlock] [-q] CIPHERDIR
//	cofferfs export [unlock] [--path SUB] [--force] [--keep-setid] [-q] [--no-progress] CIPHERDIR DEST
//	cofferfs import [unlock] [--path SUB] [--force | --update [--delete]] [-q] [--no-progress] SRC CIPHERDIR
//	cofferfs mount [unlock] [-f|--foreground] [--ro] [--idle DURATION] [--allow-other] [--noxattr] [--noexec] [--noatime] [--cache-timeout DURATION] [--verify [--accept]] [--transport auto|uring|dev] [-q] CIPHERDIR MOUNTPOINT
//	cofferfs mount [unlock] --reverse [-f|--foreground] [--idle DURATION] [--allow-other] [--noexec] [--noatime] [--transport auto|uring|dev] [--exclude PATTERN]... [--exclude-from FILE] [-q] PLAINDIR MOUNTPOINT
//	cofferfs unmount [--lazy] [-q] MOUNTPOINT
//	cofferfs lock [--lazy] [-q] MOUNTPOINT
//	cofferfs status [--json] [-q]
//	cofferfs run [unlock] [--mountpoint DIR] [--ro] [--transport T] [--kill-after DURATION] [--keep-leftovers] [--verify [--accept]] [-q] CIPHERDIR -- CMD [ARGS...]
//	cofferfs run [unlock] --reverse [--mountpoint DIR] [--transport T] [--exclude PATTERN]... [--exclude-from FILE] [--kill-after DURATION] [--keep-leftovers] [-q] PLAINDIR -- CMD [ARGS...]
//	cofferfs version
//	cofferfs completion bash|zsh|fish
//	cofferfs help [COMMAND | exit-codes]
//
// (This list is the command table of commands.go; a test keeps them equal.)
//
// [unlock] is at most one of --passfile FILE, --extpass CMD and
// --masterkey-file FILE; without one, the password is asked on the
// terminal (without echo; twice at init) or read as one line of stdin
// when stdin is not a terminal. A recovery key (--masterkey-file) is
// checked against the vault's data before it is used. Flags may be
// written -flag or --flag and may stand before, between or after the
// arguments; "--" ends them.
//
// # Output rules
//
//   - Results go to stdout and nothing else does: listings, file
//     contents, translated paths, info, the version, help that was
//     asked for, and at init the recovery key, alone on its line.
//   - Everything else goes to stderr, each line starting with
//     "cofferfs: ". Errors read "cofferfs: error: …", followed where it
//     helps by "cofferfs: hint: …" lines (a wrong password points to
//     --masterkey-file; an unsupported feature flag is named, with
//     whether gocryptfs can open the vault). Warnings read
//     "cofferfs: warning: …"; notes and summaries have no kind.
//   - -q (every command that says more than its result) drops the notes,
//     summaries and progress, never the result, errors, warnings or
//     hints (quiet.go). Durations print as the flags take them, "12m",
//     "1h5m", "45s" (formatDuration).
//   - The daemon logs one line per event in the same style: on stderr
//     under mount -f and run, else to syslog (tag cofferfs, at the
//     event's priority) or, without syslog, to its log file in the
//     state directory with a time stamp in front.
//   - An entry that does not decrypt is reported as
//     "cofferfs: error: <plain path> (<cipher path>): <reason>", where the
//     cipher path is joined to CIPHERDIR; for a name that does not
//     decrypt, the plain path is its directory. Such entries are counted
//     and never skipped silently.
//   - The progress bar of export, import, fsck, verify and du is drawn
//     on stderr only when stderr is a terminal; messages clear it first.
//   - Secrets are never printed, with one exception: init prints the new
//     recovery key once. Passwords never appear in messages.
//   - No stack traces: every failure is one error line and an exit code.
//     A wrong password costs one scrypt run and no more.
//
// # Exit codes
//
// Codes that gocryptfs 2.x also has keep its number and meaning. The one
// table is exitCodes in exitcodes.go: "cofferfs help exit-codes" prints
// it, and a test checks that the README's table lists the same codes.
//
// # Secrets
//
// Every process is made non-dumpable with a soft core limit of 0 first
// thing in run. A password is never given to scrypt in this process: the
// config and the password go through a pipe to a helper (this program
// run with the hidden argument __unwrap-key, see unwrap.go), because the
// scrypt library copies the password into strings that cannot be wiped;
// the master key comes back through another pipe. Password and key reads
// use one wiped buffer each (no bufio, no io.ReadAll). A recovery key is
// trusted only after verifyKey (key.go): a key nothing can decide may
// read but never write.
//
// # Adding a subcommand
//
// Define a *command in a file of its own and add it to the commands
// table in commands.go. Its run function parses its flags with
// newFlagSet and env.parse, returns errors made with fail or failf (which
// carry the exit code), and prints results on env.stdout. It must reach
// env.parse before doing anything when asked for -h: the help, the man
// page (dist/cofferfs.1, "go generate" rewrites it) and the completion
// scripts all get its flags that way (env.commandFlags). Flags that set
// one variable are shown as one ("-f, --foreground"); a usage starting
// with "internal:" hides a flag.
package main
