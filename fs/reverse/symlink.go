package reverse

import (
	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// maxLinkLen is the longest encrypted target the view shows.
const maxLinkLen = 4096

// Readlink returns the encrypted target of the symlink at viewPath.
func (v *View) Readlink(viewPath string) (string, error) {
	n, err := v.resolve(viewPath)
	if err != nil {
		return "", err
	}
	if n.kind != kindPlain {
		return "", unix.EINVAL
	}
	return v.readlink(n)
}

// readlink encrypts the plain target of n with the symlink nonce. The
// nonce's path names the link twice (spec §9.2, an upstream quirk).
func (v *View) readlink(n node) (string, error) {
	fd, err := v.openPlain(n.plain, unix.O_PATH)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	buf := make([]byte, unix.PathMax)
	k, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return "", err
	}
	nonce := crypto.PathIV(n.view+"/"+baseName(n.view), crypto.PurposeSymlinkIV)
	sealed := v.content.SealBlockNonce(nil, buf[:k], 0, nil, nonce)
	s := v.names.Encoding().EncodeToString(sealed)
	if len(s) > maxLinkLen {
		return "", unix.ENAMETOOLONG
	}
	return s, nil
}
