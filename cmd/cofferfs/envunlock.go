package main

import (
	"os"
	"strings"
)

// The environment variables that name a way to unlock when no unlock
// flag is given, as restic's RESTIC_PASSWORD_FILE and
// RESTIC_PASSWORD_COMMAND do.
const (
	envPasswordFile    = "COFFERFS_PASSWORD_FILE"
	envPasswordCommand = "COFFERFS_PASSWORD_COMMAND"
	envMasterkeyFile   = "COFFERFS_MASTERKEY_FILE"
)

// fromEnv fills the unlock flags from the environment. It is called only
// when no unlock flag was given (a flag wins); more than one variable set
// is refused as more than one flag is.
func (u *unlockFlags) fromEnv(e *env, c *command) error {
	vars := []struct {
		name string
		dst  *string
	}{
		{envPasswordFile, &u.passfile},
		{envPasswordCommand, &u.extpass},
		{envMasterkeyFile, &u.keyFile},
	}
	var set []string
	for _, v := range vars {
		if v.name == envMasterkeyFile && u.newKey {
			continue
		}
		if s := os.Getenv(v.name); s != "" {
			*v.dst = s
			set = append(set, v.name)
		}
	}
	if len(set) > 1 {
		return e.usageError(c, "%s are all set: unset all but one, or give an unlock flag", strings.Join(set, " and "))
	}
	return nil
}
