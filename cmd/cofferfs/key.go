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
	key, err := crypto.ParseMasterKey(string(data))
	if err != nil {
		return nil, failf(exitMasterKey, "%s does not hold a recovery key: want 64 hex digits (dashes and spaces are ignored)", name)
	}
	return key, nil
}

// readSmallFile reads at most maxLine bytes of a file.
func readSmallFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxLine))
}

// verifyKey checks a recovery key against the opened vault: it must
// decrypt real data before it is trusted.
func (e *env) verifyKey(v *vault) error {
	verdict, err := transfer.CheckKey(e.ctx, v.fs)
	if err != nil {
		return fail(exitOther, fmt.Errorf("check the recovery key: %w", err))
	}
	switch verdict {
	case transfer.KeyWrong:
		return failf(exitWrongKey, "the recovery key does not belong to the vault in %s", v.dir).
			withHint("names or data in the vault do not decrypt with it; check that the key and the vault match")
	case transfer.KeyUnverifiable:
		e.warnf("the vault is empty, so the recovery key cannot be checked against it; it is used as given")
	}
	return nil
}
