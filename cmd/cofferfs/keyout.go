package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/cofferfs/cofferfs/crypto"
)

// keyOutput is where init writes the recovery key: stdout, or a new file
// made by --recovery-key-file. Every write, the sync and the close are
// checked: a key that did not reach its destination fails init.
type keyOutput struct {
	name string    // for messages: "stdout" or the file name
	w    io.Writer // stdout, or the file
	file *os.File  // the open --recovery-key-file until it is finished
	made bool      // a --recovery-key-file was created
}

// keyOutput opens the destination of the recovery key. A key file is
// created now, before anything else, so that an existing file (never
// overwritten) stops init before a vault is made.
func (e *env) keyOutput(name string) (*keyOutput, error) {
	if name == "" {
		return &keyOutput{name: "stdout", w: e.stdout}, nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, failf(exitInit, "recovery key file: %v", err).
			withHint("--recovery-key-file makes a new file; it never overwrites one")
	}
	return &keyOutput{name: name, w: f, file: f, made: true}, nil
}

// write writes the key and a newline, then makes sure it arrived: a key
// file is chmod 0600 (whatever the umask), synced and closed, and so is
// its directory entry; stdout is synced and closed when it is a file.
func (o *keyOutput) write(key []byte) error {
	line := []byte(crypto.FormatMasterKey(key) + "\n")
	defer clear(line)
	if _, err := o.w.Write(line); err != nil {
		return err
	}
	if o.made {
		return o.finishFile()
	}
	return closeStdout(o.w)
}

// finishFile fixes the mode of the key file, syncs and closes it and
// syncs its directory.
func (o *keyOutput) finishFile() error {
	err := errors.Join(o.file.Chmod(0o600), o.file.Sync())
	if cerr := o.file.Close(); err == nil {
		err = cerr
	}
	o.file = nil
	if err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(o.name))
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// closeStdout syncs and closes stdout when it is an *os.File, so that a
// late error (a full disk, a network file system) is seen. Pipes and
// terminals cannot be synced; that is not an error.
func closeStdout(w io.Writer) error {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// abort removes a key file that init created but could not finish.
func (o *keyOutput) abort() {
	if !o.made {
		return
	}
	if o.file != nil {
		o.file.Close()
	}
	os.Remove(o.name)
}
