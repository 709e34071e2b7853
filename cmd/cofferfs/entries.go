package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
		where += " (" + displayName(filepath.Join(cipherDir, p.CipherPath)) + ")"
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
		var b int64
		if _, serr := fmt.Sscanf(ce.What, "block %d", &b); serr == nil && errors.Is(ce.Err, crypto.ErrAuth) {
			return fmt.Sprintf("%s (bytes %d–%d) is damaged: %s", ce.What, b*crypto.BlockSize,
				(b+1)*crypto.BlockSize-1, cryptoReason(ce.Err))
		}
		return ce.What + " does not decrypt: " + cryptoReason(ce.Err)
	case errors.Is(err, crypto.ErrBadName):
		return "name does not decrypt: not a valid encrypted name in this directory"
	case errors.Is(err, os.ErrNotExist):
		return "not in the vault"
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
// ciphertext did not decrypt, 34 if it does not exist, 11 otherwise.
func entryFailure(v *vault, plain string, err error) error {
	cipher, cerr := v.fs.CipherPath(plain)
	if cerr != nil {
		cipher = ""
	}
	p := &transfer.EntryError{Path: plain, CipherPath: cipher, Err: err}
	code := exitOther
	switch {
	case p.Corrupt():
		code = exitCorrupt
	case errors.Is(err, os.ErrNotExist):
		code = exitNotFound
	}
	return fail(code, errors.New(describeEntry(v.dir, p)))
}

// displayName quotes a name or path that holds control characters (C0,
// DEL, C1), invisible format characters (bidi overrides) or bytes that
// are not UTF-8, so that it cannot garble or fool the terminal. Other
// names are printed as they are.
func displayName(name string) string {
	if !needsQuote(name) {
		return name
	}
	return strconv.Quote(name)
}

// needsQuote reports whether s holds anything displayName quotes.
func needsQuote(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, unsafeRune)
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// escapeControls escapes, Go-style and without quotes, what displayName
// would quote in s: the last defence for messages that embed a backing
// name (an error text) before they reach the terminal.
func escapeControls(s string) string {
	if !needsQuote(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
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
