package main

import (
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/transfer"
)

// configLost reports whether the config of the vault in dir is missing,
// empty or truncated (not a JSON object), while its root gocryptfs.diriv
// is there: the case a recovery key can open the vault in.
func configLost(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, crypto.DirIVName))
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	_, err = config.Load(configPath(dir))
	var pe *config.ParseError
	return errors.Is(err, iofs.ErrNotExist) || errors.As(err, &pe)
}

// openLostConfig opens, with its master key, a vault whose config is
// lost. It assumes the gocryptfs v2 defaults (HKDF, DirIV, EMENames,
// LongNames, Raw64), takes the long-name threshold from the names stored
// in the vault and the content algorithm from data that authenticates
// (AES-256-GCM, else XChaCha20-Poly1305). Without such data the key and
// the algorithm are unproven: the vault opens read-only (AES-256-GCM)
// and a command that writes is refused.
func (e *env) openLostConfig(dir string, key []byte, readOnly, writes bool) (*vault, error) {
	nameMax := detectLongNameMax(dir)
	var first *vault
	for _, xchacha := range []bool{false, true} {
		c, err := config.Defaults(config.CreateOptions{XChaCha: xchacha, LongNameMax: nameMax})
		if err != nil {
			return nil, fail(exitOther, err)
		}
		v, err := openWithKey(dir, c, key, readOnly, e.fsLog)
		if err != nil {
			return nil, err
		}
		v.lostConfig = true
		verdict, err := transfer.CheckKey(e.ctx, v.fs)
		if err == nil && verdict == transfer.KeyVerified {
			if first != nil {
				first.Close()
			}
			e.warnf("%s is missing or damaged: the vault is opened with the recovery key and the "+
				"gocryptfs defaults (%s, long names hashed above %d characters, found from its data)",
				crypto.ConfigName, c.Algorithm(), c.NameMax())
			return v, nil
		}
		if first == nil {
			first = v
		} else {
			v.Close()
		}
	}
	if writes {
		first.Close()
		return nil, failf(exitMasterKey, "%s is missing or damaged, and no data in %s decrypts with the recovery key", crypto.ConfigName, dir).
			withHint("without a config only data that decrypts proves the key (and the content algorithm); nothing is written with an unproven key, use --ro")
	}
	e.warnf("%s is missing or damaged and no data decrypts with the recovery key: the vault is "+
		"opened read-only with the gocryptfs defaults (AES-256-GCM), unverified", crypto.ConfigName)
	return first, nil
}

// detectLongNameMax returns the long-name threshold the stored names
// agree with: names of up to the threshold are stored as they are,
// longer ones hashed (gocryptfs.longname.*, with the full name in the
// .name side file). One below the shortest hashed name is such a
// threshold; 255 when no hashed name is shorter than 256 characters.
func detectLongNameMax(dir string) int {
	shortest := crypto.DefaultLongNameMax + 1
	seen := 0
	filepath.WalkDir(dir, func(p string, d iofs.DirEntry, err error) error {
		if seen++; err != nil || seen > maxDetectEntries {
			return filepath.SkipAll
		}
		name := d.Name()
		if !strings.HasPrefix(name, crypto.LongNamePrefix) || !strings.HasSuffix(name, crypto.LongNameSuffix) {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.Mode().IsRegular() && fi.Size() > crypto.MinLongNameMax {
			shortest = min(shortest, int(fi.Size()))
		}
		return nil
	})
	return max(crypto.MinLongNameMax, min(crypto.DefaultLongNameMax, shortest-1))
}

// maxDetectEntries bounds the backing entries detectLongNameMax looks at.
const maxDetectEntries = 1 << 20
