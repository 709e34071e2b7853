package main

import (
	"context"
	"os"

	"github.com/cofferfs/cofferfs/fs/transfer"
)

var importCommand = &command{
	name:    "import",
	args:    "[unlock] [--path SUB] [--force | --update [--delete]] [-q] [--no-progress] SRC CIPHERDIR",
	summary: "encrypt a plain directory (or one file) into the vault",
	help: `The contents of SRC go to the vault root, or to the plaintext path SUB
(created if missing). Directories that exist on both sides are merged;
any other entry that already exists in the vault stops the import before
anything is written, unless --force is given. File types, modes, times,
symlinks, hard links, user extended attributes, POSIX ACLs and holes are
kept; owners and device nodes too when run as root.

SRC may also be a single file (or symlink): it goes into SUB under its
own name when SUB is a vault directory (or not given), and becomes SUB
otherwise, with its mode and times.

--update makes a repeated import cheap for a synced folder: a file whose
size and modification time match the vault's copy (a symlink with the
same target) is not written at all, so the sync client uploads nothing
for it; changed entries are replaced. --delete (only with --update)
also removes vault entries that are gone from SRC.

Refused (exit 32) while the vault is mounted read-write or another
cofferfs process writes to it: copy into the mount instead.`,
	run: runImport,
}

func runImport(e *env, c *command, args []string) error {
	var f transferFlags
	fs := newFlagSet(c)
	f.register(e, fs, "import into the vault directory at plaintext path `SUB`")
	f.registerUpdate(fs)
	pos, err := e.parse(c, fs, args, 2, 2)
	if err != nil {
		return err
	}
	if err := f.unlock.check(e, c); err != nil {
		return err
	}
	switch {
	case f.delete && !f.update:
		return e.usageError(c, "--delete needs --update")
	case f.force && f.update:
		return e.usageError(c, "use only one of --force and --update")
	}
	src := pos[0]
	if _, err := os.Lstat(src); err != nil {
		return failf(exitPlainDir, "source %s does not exist", src)
	}
	claim, err := claimVault(pos[1], "import")
	if err != nil {
		return err
	}
	defer claim.Release()
	v, err := e.openVault(pos[1], &f.unlock, false)
	if err != nil {
		return err
	}
	defer v.Close()
	defer e.sealChangeSet(v)() // sealmanifest.go
	opts := e.transferOptions(&f, v.dir)
	return e.runTransfer(&f, "imported", func(ctx context.Context) (transfer.Stats, error) {
		return transfer.Import(ctx, src, v.fs, f.sub, opts)
	})
}
