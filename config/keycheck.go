package config

import (
	"encoding/json"

	"github.com/cofferfs/cofferfs/crypto"
)

// KeyCheckField is the top-level member in which cofferfs keeps the key
// check of the master key (crypto.KeyCheck), base64 like EncryptedKey.
// gocryptfs ignores members it does not know, and a password change by
// gocryptfs drops it: the vault then has no key check, nothing worse.
const KeyCheckField = "CofferfsKeyCheck"

// KeyCheck returns the stored key check, or nil when the config has none
// (or one that is not 16 base64 bytes).
func (c *Config) KeyCheck() []byte {
	for _, m := range c.extra {
		if m.key != KeyCheckField {
			continue
		}
		var b []byte
		if json.Unmarshal(m.value, &b) != nil || len(b) != crypto.KeyCheckSize {
			return nil
		}
		return b
	}
	return nil
}

// SetKeyCheck stores the key check of master, replacing an older one.
func (c *Config) SetKeyCheck(master []byte) {
	v, _ := json.Marshal(crypto.KeyCheck(master)) // a []byte always marshals
	for i := range c.extra {
		if c.extra[i].key == KeyCheckField {
			c.extra[i].value = v
			return
		}
	}
	c.extra = append(c.extra, member{KeyCheckField, v})
}
