package config

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
)

func TestVectors(t *testing.T) {
	tests := []struct {
		tar, keyFile string
		alg          crypto.Algorithm
	}{
		{"vault-aesgcm.tar", "masterkey.txt", crypto.AESGCM},
		{"vault-xchacha.tar", "masterkey-xchacha.txt", crypto.XChaCha20Poly1305},
	}
	for _, tt := range tests {
		t.Run(tt.tar, func(t *testing.T) {
			data := vaultConfig(t, tt.tar)
			c, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if c.Algorithm() != tt.alg || !c.Raw64() || !c.DirIV() || c.NameMax() != 255 {
				t.Errorf("got alg %v raw64 %v diriv %v namemax %d",
					c.Algorithm(), c.Raw64(), c.DirIV(), c.NameMax())
			}
			if c.Creator != "gocryptfs 2.3" || c.Scrypt.N != 1024 {
				t.Errorf("Creator %q, N %d", c.Creator, c.Scrypt.N)
			}
			checkMasterKey(t, c, filepath.Join(vectorDir(t), tt.keyFile))
			out, err := c.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if !bytes.Equal(out, data) {
				t.Errorf("Marshal differs from gocryptfs's bytes:\n%s\nwant:\n%s", out, data)
			}
		})
	}
}

func checkMasterKey(t *testing.T, c *Config, keyFile string) {
	t.Helper()
	text, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := crypto.ParseMasterKey(string(text))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.MasterKey(testPassword)
	if err != nil {
		t.Fatalf("MasterKey: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("master key %x, want %x", got, want)
	}
	if _, err := c.MasterKey([]byte("wrong password")); !errors.Is(err, crypto.ErrWrongPassword) {
		t.Errorf("wrong password: got %v, want ErrWrongPassword", err)
	}
}

func TestReverseVectorRejected(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(vectorDir(t), "reverse-gocryptfs.reverse.conf"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(data)
	var fe *FeatureError
	if !errors.As(err, &fe) || fe.Flag != FlagAESSIV || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("got %v, want FeatureError for AESSIV", err)
	}
	if !strings.Contains(err.Error(), `"AESSIV"`) {
		t.Errorf("message does not name the flag: %v", err)
	}
}

func TestParseCaseInsensitiveFields(t *testing.T) {
	c, _ := newTestConfig(t, CreateOptions{})
	want, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	in := want
	for _, k := range []string{"Creator", "EncryptedKey", "ScryptObject", "Version",
		"FeatureFlags", "KeyLen", "Salt"} {
		in = bytes.ReplaceAll(in, []byte(`"`+k+`"`), []byte(`"`+strings.ToLower(k)+`"`))
	}
	if bytes.Equal(in, want) {
		t.Fatal("no key was rewritten")
	}
	c2, err := Parse(in)
	if err != nil {
		t.Fatalf("Parse lower-case keys: %v", err)
	}
	if out, _ := c2.Marshal(); !bytes.Equal(out, want) {
		t.Errorf("lower-case keys did not map to known fields:\n%s", out)
	}
}

func TestParseErrors(t *testing.T) {
	inputs := []string{"", "not json", "[]", "null", `"x"`, "42", `{"Version": 2`,
		`{"Version": 2} trailing`, `{"Version": "2"}`, `{"FeatureFlags": "HKDF"}`,
		`{"EncryptedKey": "!!!"}`, `{"ScryptObject": []}`, `{"Version": 2.5}`}
	for _, in := range inputs {
		_, err := Parse([]byte(in))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): got %v (%T), want *ParseError", in, err, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "config: not a valid gocryptfs.conf") {
			t.Errorf("Parse(%q): unclear message %q", in, err)
		}
	}
}

func TestParseMissingFields(t *testing.T) {
	_, err := Parse([]byte("{}"))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "Version" || !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want FieldError for Version", err)
	}
}

// withMembers inserts raw JSON members after the opening brace of c as
// gocryptfs would write it (without cofferfs's key check).
func withMembers(t *testing.T, c *Config, members string) []byte {
	t.Helper()
	c.extra = nil
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte("{"+members+","), data[1:]...)
}

func TestUnknownMembersSurvive(t *testing.T) {
	c, master := newTestConfig(t, CreateOptions{})
	in := withMembers(t, c, `"Future": {"a": [1, 2, {"b": null}], "c": "x<y&z"}, "Zeta": 7, "FIDO2": {"HMACSalt": "AAAA"}`)
	c, err := Parse(in)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := c.SetPassword(master, []byte("new password"), 0); err != nil {
		t.Fatal(err)
	}
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `	"FeatureFlags": [
		"HKDF",
		"GCMIV128",
		"DirIV",
		"EMENames",
		"LongNames",
		"Raw64"
	],
	"Future": {
		"a": [
			1,
			2,
			{
				"b": null
			}
		],
		"c": "x<y&z"
	},
	"Zeta": 7,
	"FIDO2": {
		"HMACSalt": "AAAA"
	},
	"CofferfsKeyCheck": "` + base64.StdEncoding.EncodeToString(crypto.KeyCheck(master)) + `"
}
`
	if !bytes.HasSuffix(out, []byte(want)) {
		t.Errorf("unknown members not kept in order and verbatim:\n%s", out)
	}
	checkReparse(t, out, master, []byte("new password"))
}

// checkReparse parses out and checks that it unlocks with password and
// marshals to the same bytes.
func checkReparse(t *testing.T, out, master, password []byte) {
	t.Helper()
	c, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse of Marshal output: %v", err)
	}
	got, err := c.MasterKey(password)
	if err != nil || !bytes.Equal(got, master) {
		t.Errorf("MasterKey after rewrite: %x, %v", got, err)
	}
	again, _ := c.Marshal()
	if !bytes.Equal(again, out) {
		t.Errorf("Marshal not stable:\n%s\nvs\n%s", again, out)
	}
}

func TestDuplicateUnknownMember(t *testing.T) {
	c, _ := newTestConfig(t, CreateOptions{})
	c, err := Parse(withMembers(t, c, `"X": 1, "Y": 2, "X": 3`))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := c.Marshal()
	if !bytes.HasSuffix(out, []byte("\t\"X\": 3,\n\t\"Y\": 2\n}\n")) {
		t.Errorf("duplicate member: got\n%s", out)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Errorf("output is not JSON: %v", err)
	}
}

// BenchmarkParseManyMembers parses a config of MaxFileSize with as many
// unknown members as fit: the duplicate check is linear (a map), so this
// costs milliseconds (it was quadratic: seconds for 100k members).
func BenchmarkParseManyMembers(b *testing.B) {
	c, _ := newTestConfig(b, CreateOptions{})
	data, _ := c.Marshal()
	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; sb.Len() < MaxFileSize-len(data)-32; i++ {
		fmt.Fprintf(&sb, "\"u%d\":0,", i)
	}
	in := append([]byte(sb.String()), data[1:]...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}
