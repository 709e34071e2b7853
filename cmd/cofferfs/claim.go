package main

import (
	"errors"
	"fmt"
	iofs "io/fs"

	"github.com/cofferfs/cofferfs/internal/daemon"
)

// claimVault claims the vault in dir for this process's writes (see
// daemon.LockVault); command says what for. Another writer is an error
// with exit code 32.
func claimVault(dir, command string) (*daemon.VaultLock, error) {
	l, err := daemon.LockVault(dir, command)
	var busy *daemon.VaultInUseError
	switch {
	case errors.As(err, &busy):
		x := fail(exitBusy, busy)
		if busy.Mountpoint != "" {
			return nil, x.withHint("unmount it first (cofferfs unmount %s), or mount this one with --ro", busy.Mountpoint)
		}
		return nil, x.withHint("wait until it has finished")
	case errors.Is(err, iofs.ErrNotExist):
		return nil, checkCipherDir(dir)
	case err != nil:
		return nil, fail(exitOther, fmt.Errorf("cannot claim the vault: %w", err))
	}
	return l, nil
}
