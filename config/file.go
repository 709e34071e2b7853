package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// fileMode is the permission of written configs and backups.
const fileMode = 0o400

// WriteFile marshals c and atomically replaces the file at path with it:
// the data goes to path+".tmp" (created exclusively with mode 0400; a
// stale regular .tmp file is removed first), is fsynced and renamed over
// path, and then the directory is fsynced.
func WriteFile(path string, c *Config) error {
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

// Backup copies the current config at path to path+".bak" atomically with
// mode 0400, replacing an older backup. Call it before rewriting the
// config for a password change.
func Backup(path string) error {
	data, err := readConfig(path)
	if err != nil {
		return err
	}
	return writeAtomic(path+".bak", data)
}

// RemoveBackup removes the backup path+".bak" made by Backup, if there is
// one, and syncs the directory so that the removal is durable.
func RemoveBackup(path string) error {
	if err := os.Remove(path + ".bak"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("config: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// writeAtomic writes data to dst through dst+".tmp" and a rename.
func writeAtomic(dst string, data []byte) error {
	tmp := dst + ".tmp"
	if err := removeStale(tmp); err != nil {
		return err
	}
	if err := writeNew(tmp, data); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("config: %w", err)
	}
	return syncDir(filepath.Dir(dst))
}

// removeStale removes a leftover temporary file, but only a regular file:
// anything else (a symlink, a directory) is an error to look into.
func removeStale(tmp string) error {
	fi, err := os.Lstat(tmp)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("config: %w", err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("config: %s exists and is not a regular file", tmp)
	}
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// writeNew creates name exclusively with mode 0400, writes data and
// fsyncs it. On error the file is removed.
func writeNew(name string, data []byte) (err error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("config: %w", cerr)
		}
		if err != nil {
			os.Remove(name)
		}
	}()
	// The umask can only clear bits; set the mode explicitly anyway so a
	// restrictive umask cannot leave the file unreadable.
	if err := f.Chmod(fileMode); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// syncDir fsyncs a directory so that a rename in it is durable. File
// systems that cannot fsync directories (EINVAL) are tolerated.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
