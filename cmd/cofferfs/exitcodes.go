package main

// Exit codes of cofferfs. Where gocryptfs 2.x has a code with the same
// meaning (its internal/exitcodes package), cofferfs uses the same
// number, so scripts written for one work with the other; numbers that
// gocryptfs gives another meaning are not reused. exitCodes below is the
// table that "cofferfs help exit-codes" prints; the README repeats it
// (TestReadmeExitCodes keeps the two equal).
const (
	exitOK            = 0   // gocryptfs: same
	exitUsage         = 1   // gocryptfs: same
	exitCipherDir     = 6   // gocryptfs: same
	exitInit          = 7   // gocryptfs: same
	exitLoadConf      = 8   // gocryptfs: same
	exitReadPassword  = 9   // gocryptfs: same
	exitPlainDir      = 10  // gocryptfs: "mount point invalid (not empty...)"
	exitOther         = 11  // gocryptfs: same
	exitWrongKey      = 12  // gocryptfs: same
	exitMasterKey     = 14  // gocryptfs: same
	exitSigInt        = 15  // gocryptfs: same
	exitPasswordEmpty = 22  // gocryptfs: same
	exitOpenConf      = 23  // gocryptfs: same
	exitWriteConf     = 24  // gocryptfs: same
	exitCorrupt       = 26  // gocryptfs: "fsck found errors"
	exitUnsupported   = 27  // gocryptfs: "deprecated file system" (config refused)
	exitBusy          = 32  // cofferfs only: unmount refused, the mount is in use
	exitRepaired      = 33  // cofferfs only: fsck --repair fixed every problem it found
	exitNotFound      = 34  // cofferfs only: the vault path given does not exist
	exitJobNotExec    = 126 // run: as shells, env and systemd-run
	exitJobNotFound   = 127 // run: as shells, env and systemd-run
)

// exitCodes documents every exit code, in order.
var exitCodes = []struct {
	code    int
	meaning string
}{
	{exitOK, "success; also a mount (mount -f, the daemon, a systemd service) stopped by SIGINT (Ctrl-C) or SIGTERM: it unmounts and locks the vault, as cofferfs unmount does"},
	{exitUsage, "bad command line: unknown command or flag, wrong arguments, conflicting flags"},
	{exitCipherDir, "CIPHERDIR is missing or not a directory, not empty at init, or not a vault (no gocryptfs.conf)"},
	{exitInit, "init failed while writing the new vault"},
	{exitLoadConf, "gocryptfs.conf is not valid JSON or breaks the format's rules"},
	{exitReadPassword, "the password could not be read (passfile, extpass, terminal, stdin), or the two entries differ"},
	{exitPlainDir, "the plain directory is unusable: MOUNTPOINT missing, not empty, already mounted or inside the vault (mount), no vault mounted there (unmount), export DESTDIR not empty or inside the vault, import SRCDIR missing, or import would overwrite vault entries (--force)"},
	{exitOther, "any other error (read the message)"},
	{exitWrongKey, "wrong password, or a recovery key that does not belong to the vault"},
	{exitMasterKey, "the --masterkey-file cannot be read or is not a key"},
	{exitSigInt, "interrupted by SIGINT or SIGTERM before the command was done (a password prompt, key derivation, export, import, fsck)"},
	{exitPasswordEmpty, "the password is empty"},
	{exitOpenConf, "gocryptfs.conf exists but cannot be read"},
	{exitWriteConf, "gocryptfs.conf could not be written"},
	{exitCorrupt, "some entries did not decrypt (export, import, ls, cat: each was reported, the rest was done), or problems were found: by fsck (and not all repaired), by check-paths (paths or names the provider cannot store), or by verify, mount --verify and run --verify (the vault differs from its sealed manifest)"},
	{exitUnsupported, "the vault uses a feature flag cofferfs does not support (plaintext names, FIDO2, pre-1.3 configs) or an unknown one"},
	{exitBusy, "unmount refused: the mount is in use (the holders are listed; --lazy detaches it); or the vault is in use by another writer (read-write mount, run, fsck --repair, import)"},
	{exitRepaired, "fsck --repair found problems and repaired every one of them"},
	{exitNotFound, "the vault path given is not in the vault (cat, ls, du, export --path)"},
	{exitJobNotExec, "run: the job was found but cannot be executed (not executable, a directory, not a program); otherwise run exits with the job's own code, 128+N when signal N killed it"},
	{exitJobNotFound, "run: the job was not found (not in $PATH, or no such file)"},
}
