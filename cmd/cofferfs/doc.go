// Command cofferfs creates, opens, exports and imports encrypted vaults in
// the gocryptfs v2 on-disk format, so that gocryptfs and cofferfs can open
// each other's vaults.
//
// Usage:
//
//	cofferfs init [unlock] [--scryptn N] [--xchacha] [--longnamemax N | --profile P] [--key-only] CIPHERDIR
//	cofferfs passwd [unlock] [--new-passfile FILE] [--scryptn N] CIPHERDIR
//	cofferfs info CIPHERDIR
//	cofferfs ls [unlock] [-l] CIPHERDIR [PATH]
//	cofferfs cat [unlock] CIPHERDIR PATH
//	cofferfs path [unlock] [--cipher] CIPHERDIR PATH
//	cofferfs fsck [unlock] [--json] [--repair] [-q] [--no-progress] CIPHERDIR
//	cofferfs verify [unlock] [--json] [--accept] [-q] [--no-progress] CIPHERDIR
//	cofferfs check-paths [--profile P] [--root DIR] [unlock] CIPHERDIR
//	cofferfs export [unlock] [--path SUB] [--force] [-q] [--no-progress] CIPHERDIR DEST
//	cofferfs import [unlock] [--path SUB] [--force | --update [--delete]] [-q] [--no-progress] SRC CIPHERDIR
//	cofferfs version
//	cofferfs completion bash|zsh|fish
//	cofferfs help [COMMAND | exit-codes]
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
//   - An entry that does not decrypt is reported as
//     "cofferfs: error: <plain path> (<cipher path>): <reason>", where the
//     cipher path is joined to CIPHERDIR; for a name that does not
//     decrypt, the plain path is its directory. Such entries are counted
//     and never skipped silently.
//   - The progress bar of export and import is drawn on stderr only when
//     stderr is a terminal; messages clear it first.
//   - Secrets are never printed, with one exception: init prints the new
//     recovery key once. Passwords never appear in messages.
//   - No stack traces: every failure is one error line and an exit code.
//     A wrong password costs one scrypt run and no more.
//
// # Exit codes
//
// Codes that gocryptfs 2.x also has keep its number and meaning
// (exitcodes.go has the table; "cofferfs help exit-codes" prints it):
//
//	 0  success
//	 1  bad command line (unknown command or flag, arguments, conflicting flags)
//	 6  CIPHERDIR missing or not a directory, not empty at init, or not a vault
//	 7  init failed while writing the vault
//	 8  gocryptfs.conf is not valid JSON or breaks the format's rules
//	 9  the password could not be read, or the two entries differ
//	10  the plain directory is unusable: export DESTDIR not empty or inside
//	    the vault, import SRCDIR missing, import would overwrite (--force)
//	11  any other error
//	12  wrong password, or a recovery key that does not belong to the vault
//	14  the --masterkey-file cannot be read or holds no key
//	15  interrupted (SIGINT, SIGTERM)
//	22  empty password
//	23  gocryptfs.conf exists but cannot be read
//	24  gocryptfs.conf could not be written
//	26  some entries did not decrypt (export, ls, cat); the rest was done.
//	    Or problems were found: by fsck (not all repaired), by
//	    check-paths (paths or names the provider cannot store), or by
//	    verify, mount --verify and run --verify (the vault differs from
//	    its sealed manifest)
//	27  the vault uses a feature flag cofferfs does not support, or an unknown one
//	32  unmount refused: the mount is in use
//	33  fsck --repair repaired every problem it found
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
