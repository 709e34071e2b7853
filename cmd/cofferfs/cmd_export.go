package main

import (
	"context"

	"github.com/cofferfs/cofferfs/fs/transfer"
)

var exportCommand = &command{
	name:    "export",
	args:    "[unlock] [--path SUB] [--force] [--keep-setid] [-q] [--no-progress] CIPHERDIR DEST",
	summary: "decrypt the vault (or a subtree, or one file) into a plain directory",
	help: `DEST is created if missing and must be empty unless --force is given.
When SUB is a file (or symlink), it goes into DEST under its own name if
DEST is a directory, and becomes DEST otherwise; an existing file is
only replaced with --force.
File types, modes, times, symlinks, hard links, extended attributes and
holes are kept; owners and device nodes too when run as root. An entry
that does not decrypt (a damaged file, a name, a symlink, an attribute)
is reported as "<plain path> (<cipher path>): <reason>" and skipped
whole; everything else is still exported and the exit code is 26.

Set-uid and set-gid bits of files are dropped (a directory keeps its
set-gid bit): modes are not authenticated, so whoever can write the
cipherdir — the cloud — could set them, and an export as root would
create a set-uid-root program. --keep-setid keeps them.`,
	run: runExport,
}

func runExport(e *env, c *command, args []string) error {
	var f transferFlags
	fs := newFlagSet(c)
	f.register(e, fs, "export only the vault subtree or file at plaintext path `SUB`")
	fs.BoolVar(&f.keepSetID, "keep-setid", false, "keep set-uid and set-gid bits of files (modes are not authenticated)")
	v, pos, err := e.openReadOnly(c, fs, &f.unlock, args, 2, 2)
	if err != nil {
		return err
	}
	defer v.Close()
	if f.sub != "" {
		if _, err := v.fs.Stat(vaultPath(f.sub)); err != nil {
			return entryFailure(v, vaultPath(f.sub), err)
		}
	}
	opts := e.transferOptions(&f, v.dir)
	return e.runTransfer(&f, "exported", func(ctx context.Context) (transfer.Stats, error) {
		return transfer.Export(ctx, v.fs, f.sub, pos[1], opts)
	})
}
