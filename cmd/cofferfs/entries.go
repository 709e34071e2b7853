package main

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/transfer"
)

// vaultPath turns a user-given plaintext path into fs form: relative,
// slash-separated, "" for the root.
func vaultPath(p string) string {
	return strings.Trim(path.Clean("/"+p), "/")
}

// describeEntry renders an entry problem as
// "<plain path> (<cipher path>): <reason>", the cipher path joined to the
// cipherdir.
func describeEntry(cipherDir string, p *transfer.EntryError) string {
	where := displayName(p.Path)
	if p.Path == "" {
		where = "."
	}
	if p.CipherPath != "" {
		where += " (" + filepath.Join(cipherDir, p.CipherPath) + ")"
	}
	return where + ": " + reason(p.Err)
}

// reason says why an entry failed, in words for people.
func reason(err error) string {
	var ce *fs.CorruptError
	var ie *fs.IncompleteError
	switch {
	case errors.As(err, &ie):
		return ie.What + " is not fully synced yet: " + ie.Detail + " (wait for the sync client, then try again)"
	case errors.As(err, &ce):
		return ce.What + " does not decrypt: " + cryptoReason(ce.Err)
	case errors.Is(err, crypto.ErrBadName):
		return "name does not decrypt: not a valid encrypted name in this directory"
	}
	return err.Error()
}

// cryptoReason explains a crypto error of a corrupt entry.
func cryptoReason(err error) string {
	switch {
	case errors.Is(err, crypto.ErrAuth):
		return "authentication failed (damaged or tampered ciphertext)"
	case errors.Is(err, crypto.ErrBadHeader):
		return "invalid file header"
	case errors.Is(err, crypto.ErrBadName):
		return "not a valid encrypted name"
	}
	return err.Error()
}

// reportEntry prints an entry problem as an error or a warning.
func (e *env) reportEntry(cipherDir string, p *transfer.EntryError) {
	if p.Warning {
		e.warnf("%s", describeEntry(cipherDir, p))
		return
	}
	e.errorf("%s", describeEntry(cipherDir, p))
}

// entryFailure turns an error of a vault operation on plain into an
// exitError naming the entry and its cipher path: exit code 26 if the
// ciphertext did not decrypt, 11 otherwise.
func entryFailure(v *vault, plain string, err error) error {
	cipher, cerr := v.fs.CipherPath(plain)
	if cerr != nil {
		cipher = ""
	}
	p := &transfer.EntryError{Path: plain, CipherPath: cipher, Err: err}
	code := exitOther
	if p.Corrupt() {
		code = exitCorrupt
	}
	return fail(code, errors.New(describeEntry(v.dir, p)))
}

// displayName quotes a name that holds control characters, so that it
// cannot garble the terminal.
func displayName(name string) string {
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return strconv.Quote(name)
		}
	}
	return name
}

// corruptSummary is the closing error of a command that reported n
// entries that did not decrypt.
func corruptSummary(n int) error {
	return failf(exitCorrupt, "%s could not be decrypted (see above)", formatCount(int64(n), "entry"))
}

// formatCount renders "n word" with word in the plural unless n is 1
// ("entry" becomes "entries", other words get an "s").
func formatCount(n int64, word string) string {
	if n != 1 {
		if w, ok := strings.CutSuffix(word, "y"); ok {
			word = w + "ies"
		} else {
			word += "s"
		}
	}
	return fmt.Sprintf("%d %s", n, word)
}
