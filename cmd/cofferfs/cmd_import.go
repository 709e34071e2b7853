package main

import (
	"context"
	"os"

	"github.com/cofferfs/cofferfs/fs/transfer"
)

var importCommand = &command{
	name:    "import",
	args:    "[unlock] [--path SUB] [--force] SRCDIR CIPHERDIR",
	summary: "encrypt a plain directory into the vault",
	help: `The contents of SRCDIR go to the vault root, or to the plaintext path SUB
(created if missing). Directories that exist on both sides are merged;
any other entry that already exists in the vault stops the import before
anything is written, unless --force is given. File types, modes, times,
symlinks, hard links, user extended attributes, POSIX ACLs and holes are
kept; owners and device nodes too when run as root. Refused (exit 32)
while the vault is mounted read-write or another cofferfs process
writes to it: copy into the mount instead.`,
	run: runImport,
}

func runImport(e *env, c *command, args []string) error {
	var f transferFlags
	fs := newFlagSet(c)
	f.register(fs, "import into the vault directory at plaintext path `SUB`")
	pos, err := e.parse(c, fs, args, 2, 2)
	if err != nil {
		return err
	}
	if err := f.unlock.check(e, c); err != nil {
		return err
	}
	src := pos[0]
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return failf(exitPlainDir, "source %s is not a directory", src)
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
	opts := e.transferOptions(&f, v.dir)
	return e.runTransfer(&f, "imported", func(ctx context.Context) (transfer.Stats, error) {
		return transfer.Import(ctx, src, v.fs, f.sub, opts)
	})
}
