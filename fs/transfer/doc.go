// Package transfer copies whole trees between the plaintext view of a
// vault (an *fs.FS) and a plain directory on the local file system,
// without FUSE: Export decrypts a vault or one of its subtrees into a
// directory, Import encrypts a directory into a vault. CheckKey tells
// whether a master key that did not come out of the config (a recovery
// key) really belongs to a vault. Either side may also be a single
// non-directory entry; it is placed as cp(1) would (single.go).
//
// Import with Options.Update writes nothing for an entry the vault
// already holds unchanged (same size and modification time, same symlink
// target), not even metadata that is already right, so that a sync
// client watching the cipherdir sees no change; Options.Delete then
// also removes what is gone from the source.
//
// Both directions keep what a backup needs: file types (directories,
// regular files, symlinks, FIFOs, sockets and, when asked for, device
// nodes), permission bits, owners (when asked for), access and
// modification times (a directory's after its contents), symlink
// targets, hard links (entries that share an inode on one side share one
// on the other), extended attributes and holes: an all-zero 4 KiB block
// is never written, so sparse files stay sparse on both sides.
//
// Errors come in two kinds. A fatal error (the destination is unusable,
// the context was cancelled) stops the transfer and is returned. An
// error that concerns one entry (ciphertext that does not decrypt, a
// file that cannot be read or written) is handed to Options.OnProblem as
// an *EntryError, counted in Stats, and the transfer goes on with the
// next entry: nothing is skipped silently. A file whose content does not
// decrypt is not exported at all, rather than exported in part.
//
// Import copies the extended attributes of the user namespace and POSIX
// ACLs; other namespaces (security.*, trusted.*) belong to the machine,
// not to the data, and are left out. The package never prints.
package transfer
