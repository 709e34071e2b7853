package mount

import (
	"errors"
	"log/slog"
	"syscall"
	"time"

	"github.com/cofferfs/cofferfs/fs"
)

// errno maps an error from package fs to the errno the kernel gets.
// go-fuse's own ToErrno does not unwrap %w chains and falls back to
// ENOSYS, which would make the kernel stop calling an operation for good;
// this one unwraps, turns ciphertext that does not decrypt into EIO (with
// one log line naming the plaintext path and the block), and maps
// anything unknown to EIO. Objects a sync client has not finished
// writing are EIO too, logged as "not fully synced yet"; a directory a
// sync client recreated without its IV is EIO, logged as what it is.
func errno(log *slog.Logger, err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var ie *fs.IncompleteError
	if errors.As(err, &ie) {
		log.Warn("not fully synced yet", "path", ie.Path, "part", ie.What, "detail", ie.Detail)
		return syscall.EIO
	}
	var le *fs.LostIVError
	if errors.As(err, &le) {
		log.Error("directory recreated by a sync client without its IV: run cofferfs fsck --repair",
			"path", le.Path, "unchanged_for", le.Age.Round(time.Minute))
		return syscall.EIO
	}
	var ce *fs.CorruptError
	if errors.As(err, &ce) {
		log.Error("ciphertext does not decrypt", "path", ce.Path, "part", ce.What)
		return syscall.EIO
	}
	var en syscall.Errno
	if errors.As(err, &en) && en != syscall.ENOSYS {
		return en
	}
	if fs.IsCorrupt(err) {
		log.Error("ciphertext does not decrypt", "err", err)
		return syscall.EIO
	}
	log.Error("unexpected error", "err", err)
	return syscall.EIO
}
