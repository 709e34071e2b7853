package manifest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"
)

// State is what one machine remembers about vaults, in its state
// directory: its writer ID, and per vault the highest generation it has
// seen of every writer's manifest (to notice an older copy of the whole
// vault, manifests included).
type State struct {
	dir string
}

// StateDir returns the state directory: $XDG_STATE_HOME/cofferfs, or
// ~/.local/state/cofferfs (the home directory from the user database
// when $HOME is not set, as in a system service).
func StateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "cofferfs")
	}
	home := os.Getenv("HOME")
	if !filepath.IsAbs(home) {
		if u, err := user.Current(); err == nil && filepath.IsAbs(u.HomeDir) {
			home = u.HomeDir
		} else {
			home = "/root"
		}
	}
	return filepath.Join(home, ".local", "state", "cofferfs")
}

// OpenState uses dir (created 0700 if missing) as the state directory.
func OpenState(dir string) (*State, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	return &State{dir: dir}, nil
}

// Dir returns the state directory.
func (s *State) Dir() string { return s.dir }

// WriterID returns this machine's writer ID, made on first use: 16 random
// hex digits. Machines that sync one vault need different IDs, so the
// state directory must not be synced or copied between them.
func (s *State) WriterID() (string, error) {
	p := filepath.Join(s.dir, "writer-id")
	b, err := os.ReadFile(p)
	if id := strings.TrimSpace(string(b)); err == nil && validWriter(id) {
		return id, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("writer id: %w", err)
	}
	var r [8]byte
	rand.Read(r[:])
	id := hex.EncodeToString(r[:])
	if err := writeFile(p, []byte(id+"\n")); err != nil {
		return "", fmt.Errorf("writer id: %w", err)
	}
	return id, nil
}

// validWriter reports a writer ID of the expected form.
func validWriter(id string) bool {
	return len(id) == 16 && strings.Trim(id, "0123456789abcdef") == ""
}

// Seen is what a machine has seen of one vault.
type Seen struct {
	// First is when this machine first saw the vault's manifests.
	First time.Time `json:"first"`
	// Writers are the highest generations seen, per writer.
	Writers map[string]SeenWriter `json:"writers"`
}

// SeenWriter is the highest generation seen of one writer's manifest.
type SeenWriter struct {
	// Generation is that generation.
	Generation uint64 `json:"generation"`
	// Host is the writer's host name.
	Host string `json:"host"`
}

func (s *State) seenPath(vault string) string {
	return filepath.Join(s.dir, "vault-"+vault+".json")
}

// Seen returns what this machine has seen of a vault, nil if nothing.
func (s *State) Seen(vault string) (*Seen, error) {
	b, err := os.ReadFile(s.seenPath(vault))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	var seen Seen
	if err := json.Unmarshal(b, &seen); err != nil {
		return nil, fmt.Errorf("state %s: %w", s.seenPath(vault), err)
	}
	return &seen, nil
}

// remember records the manifests of set as seen. With replace the record
// becomes exactly set (after the user accepted the vault as it is);
// otherwise generations only go up.
func (s *State) remember(vault string, set *Set, replace bool) error {
	seen, err := s.Seen(vault)
	if err != nil && !replace {
		return err
	}
	if seen == nil || replace {
		first := time.Now().UTC()
		if seen != nil {
			first = seen.First
		}
		seen = &Seen{First: first, Writers: map[string]SeenWriter{}}
	}
	for w, m := range set.Latest() {
		if m.Generation >= seen.Writers[w].Generation {
			seen.Writers[w] = SeenWriter{Generation: m.Generation, Host: m.Host}
		}
	}
	b, err := json.MarshalIndent(seen, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(s.seenPath(vault), b)
}

// writeFile replaces p with data, mode 0600, through a temporary file.
func writeFile(p string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
