// Package reverse is the reverse-mode view: it shows a plain directory as
// the gocryptfs ciphertext tree (spec §9) that `gocryptfs -reverse` shows,
// byte for byte, without a FUSE dependency (mount/ adapts it).
//
// Paths given to the View are view paths: relative, "/"-separated,
// encrypted names ("" is the root). Every value forward mode draws at
// random is derived from the view path (crypto.PathIV): directory IVs,
// file IDs, block nonces and symlink nonces, so an unchanged file always
// has the same ciphertext. That is safe only because the content cipher
// is AES-SIV; New refuses anything else.
//
// Virtual files: every directory has gocryptfs.diriv (unless
// deterministic names), a hashed long name has its .name side file, and
// the root shows the plain directory's .gocryptfs.reverse.conf as
// gocryptfs.conf (same bytes). The plain config itself never appears
// encrypted.
//
// Non-obvious choices:
//   - Hard links (links.go): while a View is open, a file with more than
//     one link keeps the file ID and block IVs of the first path it was
//     opened through, so all its paths show one ciphertext (spec §9.5);
//     its paths share one inode number.
//   - Inode numbers and listings are gocryptfs's (inomap.go, dir.go):
//     plain inode numbers, virtual files in per-kind namespaces, st_blocks
//     of the plain object, entries in the plain directory's order with
//     gocryptfs.diriv and the .name files after them.
//   - A plain file that changes while it is read: a File remembers the
//     plain file's identity, size, mtime and ctime at Open and checks them
//     after each read; a difference fails the read with ErrChanged (EIO)
//     instead of serving blocks of two versions.
//   - Plain access goes through one chokepoint (openPlain): openat2 with
//     RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS below an O_PATH root descriptor,
//     so a symlink swapped into the plain tree is never followed.
//   - Exclusions are gitignore patterns (exclude.go) matched against plain
//     paths as gocryptfs -reverse matches them: a pattern also matches
//     what is below a matching directory, a directory-only pattern leaves
//     the directory itself (empty); an excluded directory hides
//     everything below it.
//   - A listing remembers each entry's resolution for the one lookup
//     that follows it (listed.go), for at most 500 ms.
package reverse
