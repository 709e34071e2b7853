package main

import (
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

var catCommand = &command{
	name:    "cat",
	args:    "[unlock] CIPHERDIR PATH",
	summary: "write a file of the vault to stdout",
	help: `Streams the plaintext of the regular file PATH to stdout. If a block does
not decrypt, the output stops there, the block is reported on stderr and
the exit code is 26.`,
	run: runCat,
}

// catChunk is how much cat decrypts at once.
const catChunk = 1 << 20

func runCat(e *env, c *command, args []string) error {
	var u unlockFlags
	fs := newFlagSet(c)
	u.register(fs)
	v, pos, err := e.openReadOnly(c, fs, &u, args, 2, 2)
	if err != nil {
		return err
	}
	defer v.Close()
	return e.cat(v, vaultPath(pos[1]))
}

// cat streams the plaintext of the vault file p to stdout.
func (e *env) cat(v *vault, p string) error {
	f, err := v.fs.Open(p, unix.O_RDONLY)
	if err != nil {
		return entryFailure(v, p, err)
	}
	defer f.Close()
	buf := make([]byte, catChunk)
	for off := int64(0); ; {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		n, err := f.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return entryFailure(v, p, err)
		}
		if _, werr := e.stdout.Write(buf[:n]); werr != nil {
			return fail(exitOther, fmt.Errorf("write stdout: %w", werr))
		}
		if err == io.EOF || n == 0 {
			return nil
		}
		off += int64(n)
	}
}
