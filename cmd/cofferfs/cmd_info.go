package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
)

var infoCommand = &command{
	name:    "info",
	args:    "CIPHERDIR",
	summary: "show the vault's format and parameters (no password needed; du for sizes)",
	help: `Prints what gocryptfs.conf says: format version, feature flags, content
cipher, scrypt parameters, long-name threshold (with the init --profile
values it matches), whether a password opens the vault or only the
recovery key (a vault made with init --key-only, until passwd sets a
password) and creator. Nothing secret is shown. A vault that cofferfs
cannot open is still described, and the exit code then says why (8
invalid, 27 unsupported). "cofferfs du" counts the vault's files and
bytes (plain and stored).`,
	run: runInfo,
}

func runInfo(e *env, c *command, args []string) error {
	pos, err := e.parse(c, newFlagSet(c), args, 1, 1)
	if err != nil {
		return err
	}
	dir := pos[0]
	if err := checkCipherDir(dir); err != nil {
		return err
	}
	conf, err := readRawConfig(dir)
	if err != nil {
		return err
	}
	printInfo(e.stdout, conf)
	if err := conf.Validate(); err != nil {
		return configError(dir, err)
	}
	return nil
}

// readRawConfig decodes gocryptfs.conf without validating it, so that
// info can describe a vault cofferfs does not support.
func readRawConfig(dir string) (*config.Config, error) {
	f, err := os.Open(configPath(dir))
	if err != nil {
		if errors.Is(err, iofs.ErrNotExist) {
			return nil, configError(dir, err)
		}
		return nil, fail(exitOpenConf, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, config.MaxFileSize))
	if err != nil {
		return nil, fail(exitOpenConf, err)
	}
	var c config.Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, failf(exitLoadConf, "%s: not a valid gocryptfs.conf: %v", configPath(dir), err)
	}
	return &c, nil
}

// printInfo writes the public parameters of a config.
func printInfo(w io.Writer, c *config.Config) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "Format version:\t%d\n", c.Version)
	fmt.Fprintf(tw, "Feature flags:\t%s\n", displayName(strings.Join(c.FeatureFlags, " ")))
	fmt.Fprintf(tw, "Content cipher:\t%s\n", cipherName(c))
	fmt.Fprintf(tw, "Names:\t%s\n", namesDescription(c))
	s := c.Scrypt
	fmt.Fprintf(tw, "Scrypt:\tN=%d (2^%d) r=%d p=%d keylen=%d salt=%d bytes\n",
		s.N, bits.Len(uint(s.N))-1, s.R, s.P, s.KeyLen, len(s.Salt))
	fmt.Fprintf(tw, "Long-name max:\t%s\n", longNameDescription(c.NameMax()))
	fmt.Fprintf(tw, "Unlocked by:\t%s\n", unlockDescription(c))
	fmt.Fprintf(tw, "Creator:\t%s\n", displayName(c.Creator))
	tw.Flush()
}

// longNameDescription gives the long-name threshold with the profiles
// that set it.
func longNameDescription(n int) string {
	var names []string
	for _, p := range profiles {
		if p.longNameMax == n {
			names = append(names, p.name)
		}
	}
	var notes []string
	if n == crypto.DefaultLongNameMax {
		notes = append(notes, "the default")
	}
	if len(names) > 0 {
		notes = append(notes, "--profile "+strings.Join(names, ", "))
	}
	if len(notes) == 0 {
		return strconv.Itoa(n)
	}
	return fmt.Sprintf("%d (%s)", n, strings.Join(notes, "; "))
}

// unlockDescription says what opens the vault.
func unlockDescription(c *config.Config) string {
	if strings.HasSuffix(c.Creator, keyOnlyMark) {
		return "the recovery key only (key-only: made with init --key-only, no password set since)"
	}
	return "the password, or the recovery key"
}

// cipherName names the content cipher the flags select.
func cipherName(c *config.Config) string {
	switch {
	case c.HasFlag(config.FlagXChaCha20Poly1305):
		return "XChaCha20-Poly1305"
	case c.HasFlag(config.FlagAESSIV):
		return "AES-SIV-512"
	case c.HasFlag(config.FlagGCMIV128):
		return "AES-256-GCM (128-bit IVs)"
	}
	return "AES-256-GCM (96-bit IVs)"
}

// namesDescription says how names are stored.
func namesDescription(c *config.Config) string {
	if c.HasFlag(config.FlagPlaintextNames) {
		return "not encrypted"
	}
	parts := []string{"EME"}
	if c.DirIV() {
		parts = append(parts, "per-directory IVs")
	} else {
		parts = append(parts, "deterministic (no per-directory IVs)")
	}
	if c.Raw64() {
		parts = append(parts, "unpadded base64")
	} else {
		parts = append(parts, "padded base64")
	}
	return strings.Join(parts, ", ")
}
