// Package manifest seals a vault: it records what identifies the exact
// ciphertext version of every backing entry, so that cofferfs can tell
// its user what changed behind its back — a file rolled back to an older
// version, two files swapped, a file deleted or added, truncated at a
// block boundary, blocks zeroed (an all-zero block reads as a hole), or
// the whole vault put back from an older copy. The gocryptfs format
// authenticates each block, not the vault as a whole; none of these make
// gocryptfs or cofferfs fail without the manifest.
//
// What is recorded, without decrypting anything (fs.WalkCipher): per
// backing entry its cipher path and type; for content files the header's
// file ID, the backing size, the blocks whose nonce and tag are all zero,
// and SHA-256 over every block's nonce and tag (one pread per block: the
// tag of a block and the nonce of the next are adjacent) — every block
// write makes a fresh nonce, so any rewrite changes it; for side files
// (gocryptfs.diriv, .name) and symlinks a hash of their bytes. The
// directory tree is the set of paths; each directory's IV is an entry.
// A writer also records each file's inode number and ctime on its own
// machine and does not read a file again while its inode, size and ctime
// are unchanged: every write, truncate, rename or copy over it changes
// one of them (a ctime within a few seconds of the scan is not recorded,
// for file systems with coarse timestamps). So a periodic seal reads only
// what changed.
//
// Files and format: one manifest per writer (machine) at the vault root,
// named FilePrefix + writer ID + ".name", i.e.
// "gocryptfs.longname.cofferfs-seal-<16 hex>.name". gocryptfs takes root
// names "gocryptfs.longname.*.name" for long-name side files: a gocryptfs
// mount does not show them and gocryptfs -fsck does not check them (the
// tests check both against the real binary), and sync clients keep the
// ".name" ending in conflict copies. The content is the magic
// "cofferfs-seal-1\n", a 24-byte random nonce and the XChaCha20-Poly1305
// sealing of gzip-compressed JSON (Manifest), keyed by HKDF-SHA256 of the
// master key with cofferfs's own info string (crypto.DeriveSealKeys): it
// leaks nothing and cannot be forged without the key.
//
// Several machines: each writes only its own file, so two machines never
// conflict over a manifest; a sync client's conflict copy is read as one
// more manifest. Every statement carries the generation (Since) at which
// its version was first sealed; a seal's generation is one more than
// any it has seen. Verification merges all manifests: per path the
// newest statement wins (deletions are tombstones), so a change another
// machine sealed is no alarm. A seal keeps another machine's newer
// statement where the vault here still has an older version or lacks an
// entry this writer never had: the sync client has not brought it yet
// (or it was rolled back, which must stay visible).
//
// Change sets: MarkDirty writes the writer's manifest again with the
// dirty flag when a change set begins (a mount); Seal at its end clears
// it. A dirty manifest left behind is a cofferfs that crashed (or is
// still running): its differences are reported as unsealed changes.
// A seal takes the vault as it is, so changes made outside cofferfs
// before a mount are absorbed by the mount's seals: mount --verify /
// run --verify check first. Accept seals after the user has looked.
//
// Rollback of the whole vault: each machine keeps in its state directory
// ($XDG_STATE_HOME/cofferfs, 0600 files) the highest generation it has
// seen of each writer of each vault (keyed by a vault ID derived from the
// master key). A writer's manifest older than that, or gone, is a
// rollback. A machine that never saw the vault trusts it on first use.
//
// Not detected: changes to sizes, times and modes of directories and
// symlinks (metadata is not in the format's authenticated data and not
// recorded), and a rollback to a state before this machine first saw the
// vault. The package never decrypts file contents; plaintext names are
// filled into findings with fs.PlainPath where they decrypt.
package manifest
