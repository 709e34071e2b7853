package crypto

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealRoundTrip(t *testing.T) {
	master := bytes.Repeat([]byte{7}, KeySize)
	k := DeriveSealKeys(master)
	other := DeriveSealKeys(bytes.Repeat([]byte{8}, KeySize))
	if k.VaultID == other.VaultID || len(k.VaultID) != 32 {
		t.Fatalf("vault ids %q %q", k.VaultID, other.VaultID)
	}
	keys := DeriveKeys(master, AESGCM)
	if bytes.Equal(k.Key, keys.Content) || bytes.Equal(k.Key, keys.Name) {
		t.Fatal("manifest key equals a format subkey")
	}
	sealed := k.Seal([]byte("hello"))
	if bytes.Contains(sealed, []byte("hello")) {
		t.Fatal("plaintext visible")
	}
	got, err := k.Open(sealed)
	if err != nil || string(got) != "hello" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := other.Open(sealed); !errors.Is(err, ErrSealAuth) {
		t.Errorf("other key: %v", err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 1
		if _, err := k.Open(bad); !errors.Is(err, ErrSealAuth) {
			t.Fatalf("flip at %d accepted", i)
		}
	}
	if _, err := k.Open(sealed[:20]); !errors.Is(err, ErrSealAuth) {
		t.Error("short accepted")
	}
}
