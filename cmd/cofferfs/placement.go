package main

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// A mountpoint inside the cipherdir, or anywhere in the synced folder
// that holds the vault, puts the plaintext view where the sync client
// looks: it would upload every file unencrypted.

// syncMarkers are files or directories a sync client keeps at the root
// of the folder it syncs, with the client's name.
var syncMarkers = []struct{ name, client string }{
	{".stfolder", "Syncthing"},
	{".dropbox", "Dropbox"},
	{".dropbox.cache", "Dropbox"},
	{".owncloudsync.log", "ownCloud"},
	{".nextcloudsync.log", "Nextcloud"},
	{".sync-exclude.lst", "Nextcloud"},
	{".tmp.drivedownload", "Google Drive"},
}

// checkPlacement refuses a mountpoint inside the cipherdir and a
// cipherdir inside the mountpoint (compared by device and inode after
// resolving symlinks, so links and bind mounts do not hide it), and
// warns when the mountpoint lies in the synced folder that holds the
// vault.
func (e *env) checkPlacement(cipherdir, mnt string) error {
	realCipher, realMnt := realPath(cipherdir), realPath(mnt)
	if under(realMnt, realCipher) {
		return failf(exitPlainDir, "mountpoint %s is inside the vault %s: the sync client would upload the plaintext view", mnt, cipherdir).
			withHint("mount it outside the synced folder, e.g. in ~/Private or /mnt")
	}
	if under(realCipher, realMnt) {
		return failf(exitPlainDir, "the vault %s is inside the mountpoint %s, which the mount would hide", cipherdir, mnt)
	}
	if root, client, ok := syncRoot(filepath.Dir(realCipher)); ok && under(realMnt, root) {
		e.warnf("mountpoint %s is inside the %s folder %s that holds the vault: %s may upload the plaintext view", mnt, client, root, client)
		e.hintf("mount it outside %s, or exclude it from syncing", root)
	}
	return nil
}

// realPath resolves symlinks in p; a path that does not resolve stays
// as it is (the later checks report it).
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// under reports whether p is dir or lies below it: by name, or by
// device and inode of p's ancestors (a bind mount of dir).
func under(p, dir string) bool {
	if p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/") {
		return true
	}
	var d unix.Stat_t
	if unix.Stat(dir, &d) != nil {
		return false
	}
	for a := p; ; a = filepath.Dir(a) {
		var st unix.Stat_t
		if unix.Stat(a, &st) == nil && st.Dev == d.Dev && st.Ino == d.Ino {
			return true
		}
		if a == filepath.Dir(a) {
			return false
		}
	}
}

// syncRoot returns the nearest directory at or above dir that a sync
// client marks as the root of its folder, and the client's name.
func syncRoot(dir string) (root, client string, ok bool) {
	for d := dir; ; d = filepath.Dir(d) {
		for _, m := range syncMarkers {
			if _, err := os.Lstat(filepath.Join(d, m.name)); err == nil {
				return d, m.client, true
			}
		}
		if d == filepath.Dir(d) {
			return "", "", false
		}
	}
}
