package main

import (
	"fmt"
	"io"
	"os"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/transfer"
)

// readKeyFile reads a recovery key from a file ("-" for stdin): 64 hex
// digits, dashes and white space ignored.
func (e *env) readKeyFile(name string) ([]byte, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = e.stdinLine()
	} else {
		data, err = readSmallFile(name)
	}
	defer clear(data)
	if err != nil {
		return nil, fail(exitMasterKey, fmt.Errorf("read recovery key: %w", err))
	}
	key, err := crypto.ParseMasterKeyBytes(data)
	if err != nil {
		return nil, failf(exitMasterKey, "%s does not hold a recovery key: want 64 hex digits (dashes and spaces are ignored)", name)
	}
	lockKey(key)
	return key, nil
}

// readSmallFile reads at most maxLine bytes of a file into one buffer
// (io.ReadAll would leave unwiped copies as it grows); the caller wipes
// the result.
func readSmallFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, maxLine)
	n, err := io.ReadFull(f, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	if err != nil {
		clear(buf)
		return nil, err
	}
	return buf[:n], nil
}

// verifyKey checks a recovery key against the opened vault. The key
// check in the config decides when it matches; otherwise the key must
// decrypt real data. A key that nothing can decide may read but not
// write (writes says whether the command writes with it): data written
// under a wrong key would open with no password, and make the wrong key
// look right from then on.
func (e *env) verifyKey(v *vault, key []byte, writes bool) error {
	check := v.conf.KeyCheck()
	if check != nil && crypto.MatchKeyCheck(key, check) {
		return nil
	}
	verdict, err := transfer.CheckKey(e.ctx, v.fs)
	if err != nil {
		return fail(exitOther, fmt.Errorf("check the recovery key: %w", err))
	}
	switch {
	case verdict == transfer.KeyVerified, verdict == transfer.KeyNamesOnly && check == nil:
		return nil
	case verdict == transfer.KeyWrong, check != nil:
		return failf(exitWrongKey, "the recovery key does not belong to the vault in %s", v.dir).
			withHint("it does not match the vault's key check or its data; check that the key and the vault match")
	case writes:
		return failf(exitMasterKey, "the recovery key cannot be checked against the vault in %s: "+
			"no name decrypts with it and the vault holds no data to try", v.dir).
			withHint("a key that cannot be checked is not used to write; look with --ro, or unlock with the password")
	}
	e.warnf("the recovery key cannot be checked against the vault (no name decrypts with it, " +
		"no data to try): it is used read-only, as given")
	return nil
}
