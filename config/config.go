package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/cofferfs/cofferfs/crypto"
)

// MaxFileSize is the largest config file Load reads, in bytes. A
// gocryptfs.conf is under 1 KiB; the bound keeps a planted giant file
// from costing memory or parse time before the password prompt.
const MaxFileSize = 64 << 10

// Config is the content of a gocryptfs.conf file (docs/format.md §2.1).
type Config struct {
	// Creator is free text naming the program that created the vault.
	Creator string
	// EncryptedKey is the password-wrapped master key (64 bytes).
	EncryptedKey []byte
	// Scrypt holds the password-hashing parameters.
	Scrypt crypto.ScryptParams `json:"ScryptObject"`
	// Version is the on-disk format version; it must be 2.
	Version int
	// FeatureFlags lists the feature flags (the Flag* constants).
	FeatureFlags []string
	// LongNameMax is the custom long-name threshold, 0 if unused.
	LongNameMax int `json:",omitempty"`

	// extra holds the top-level members not named above, in input order,
	// so that they survive a rewrite.
	extra []member
}

// member is one top-level JSON member with its value as read.
type member struct {
	key   string
	value json.RawMessage
}

// isKnownField reports whether key names one of Config's JSON fields.
func isKnownField(key string) bool {
	for _, k := range [...]string{"Creator", "EncryptedKey", "ScryptObject",
		"Version", "FeatureFlags", "LongNameMax"} {
		// encoding/json matches names with the same folding as EqualFold.
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// ParseError reports input that is not a JSON object or whose known fields
// have the wrong JSON type.
type ParseError struct {
	// Offset is the byte offset of the error in the input, -1 if unknown.
	Offset int64
	// Err is the underlying error.
	Err error
}

// Error describes the parse failure.
func (e *ParseError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("config: not a valid gocryptfs.conf (byte %d): %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("config: not a valid gocryptfs.conf: %v", e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// newParseError wraps a JSON error, keeping its offset when it has one.
func newParseError(err error) *ParseError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &ParseError{Offset: syn.Offset, Err: err}
	case errors.As(err, &typ):
		return &ParseError{Offset: typ.Offset, Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &ParseError{Offset: -1, Err: errors.New("unexpected end of input")}
	}
	return &ParseError{Offset: -1, Err: err}
}

// Parse decodes and validates a config. Field names match
// case-insensitively, as in gocryptfs; unknown top-level members are kept
// for Marshal. Errors are *ParseError, *FieldError or *FeatureError.
func Parse(data []byte) (*Config, error) {
	extra, err := scanMembers(data)
	if err != nil {
		return nil, err
	}
	c := &Config{extra: extra}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, newParseError(err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// scanMembers checks that data holds a JSON object and returns its
// unknown members in order. A repeated key keeps its first position and
// its last value, as a decoder into a map would.
func scanMembers(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, newParseError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &ParseError{Offset: 0, Err: errors.New("top-level value is not a JSON object")}
	}
	var extra []member
	seen := map[string]int{} // key -> index in extra: linear, not quadratic
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, newParseError(err)
		}
		key, _ := tok.(string) // inside an object the decoder yields only string keys
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, newParseError(err)
		}
		if isKnownField(key) {
			continue
		}
		if i, ok := seen[key]; ok {
			extra[i].value = v
			continue
		}
		seen[key] = len(extra)
		extra = append(extra, member{key, v})
	}
	return extra, nil
}

// Load reads and parses the config file at path. A missing file gives an
// error that wraps fs.ErrNotExist; a file larger than MaxFileSize or not a
// regular file, or a symlink, is refused.
func Load(path string) (*Config, error) {
	data, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// readConfig reads a regular file of at most MaxFileSize bytes. O_NONBLOCK
// keeps a FIFO planted at path from blocking the open; O_NOFOLLOW refuses
// a config symlinked elsewhere (e.g. to another vault's config).
func readConfig(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("config: %s is a symlink; a config must be a regular file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("config: %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("config: %s is larger than %d bytes", path, MaxFileSize)
	}
	return data, nil
}

// Marshal validates the config and encodes it as gocryptfs does: indented
// with tabs, known fields in their fixed order, LongNameMax only when
// non-zero, then any unknown members from the parsed input, and a final
// newline.
func (c *Config) Marshal() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(c, "", "\t")
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(c.extra) > 0 {
		if out, err = appendMembers(out, c.extra); err != nil {
			return nil, err
		}
	}
	return append(out, '\n'), nil
}

// appendMembers inserts the members before the closing brace of the
// indented object in out. Values are re-indented but otherwise verbatim.
func appendMembers(out []byte, ms []member) ([]byte, error) {
	buf := bytes.NewBuffer(bytes.TrimSuffix(out, []byte("\n}")))
	for _, m := range ms {
		buf.WriteString(",\n\t")
		if err := writeKey(buf, m.key); err != nil {
			return nil, err
		}
		buf.WriteString(": ")
		if err := json.Indent(buf, m.value, "\t", "\t"); err != nil {
			return nil, fmt.Errorf("config: member %q: %w", m.key, err)
		}
	}
	buf.WriteString("\n}")
	return buf.Bytes(), nil
}

// writeKey writes key as a JSON string without HTML escaping.
func writeKey(buf *bytes.Buffer, key string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(key); err != nil {
		return fmt.Errorf("config: member %q: %w", key, err)
	}
	buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return nil
}
