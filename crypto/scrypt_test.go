package crypto

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestScryptValidate(t *testing.T) {
	salt := pattern(SaltSize)
	ok := ScryptParams{Salt: salt, N: 1024, R: 8, P: 1, KeyLen: 32}
	for _, c := range []struct {
		name  string
		edit  func(*ScryptParams)
		valid bool
	}{
		{"vector params", func(*ScryptParams) {}, true},
		{"default N", func(p *ScryptParams) { p.N = 1 << 16 }, true},
		{"max N", func(p *ScryptParams) { p.N = 1 << MaxScryptLogN }, true},
		{"R 16 P 2", func(p *ScryptParams) { p.R, p.P = 16, 2 }, false},
		{"R 16", func(p *ScryptParams) { p.R = 16 }, false},
		{"P 1024 (forged work)", func(p *ScryptParams) { p.P = 1024 }, false},
		{"P 2", func(p *ScryptParams) { p.P = 2 }, false},
		{"long salt", func(p *ScryptParams) { p.Salt = pattern(64) }, true},
		{"N 512", func(p *ScryptParams) { p.N = 512 }, false},
		{"N 0", func(p *ScryptParams) { p.N = 0 }, false},
		{"N negative", func(p *ScryptParams) { p.N = -1024 }, false},
		{"N not power of two", func(p *ScryptParams) { p.N = 1025 }, false},
		{"N 3*1024", func(p *ScryptParams) { p.N = 3 << 10 }, false},
		{"N above max", func(p *ScryptParams) { p.N = 1 << (MaxScryptLogN + 1) }, false},
		{"R 7", func(p *ScryptParams) { p.R = 7 }, false},
		{"R 0", func(p *ScryptParams) { p.R = 0 }, false},
		{"P 0", func(p *ScryptParams) { p.P = 0 }, false},
		{"P negative", func(p *ScryptParams) { p.P = -1 }, false},
		{"R*P 2^30", func(p *ScryptParams) { p.P = 1 << 27 }, false},
		{"R 2^30", func(p *ScryptParams) { p.R = 1 << 30 }, false},
		{"salt 31 bytes", func(p *ScryptParams) { p.Salt = salt[:31] }, false},
		{"no salt", func(p *ScryptParams) { p.Salt = nil }, false},
		{"KeyLen 31", func(p *ScryptParams) { p.KeyLen = 31 }, false},
		{"KeyLen 33", func(p *ScryptParams) { p.KeyLen = 33 }, false},
		{"KeyLen 64", func(p *ScryptParams) { p.KeyLen = 64 }, false},
		{"KeyLen 0", func(p *ScryptParams) { p.KeyLen = 0 }, false},
	} {
		p := ok
		c.edit(&p)
		if err := p.Validate(); (err == nil) != c.valid {
			t.Errorf("%s: Validate() = %v, want valid=%v", c.name, err, c.valid)
		}
		if !c.valid {
			if k, err := DeriveKEK([]byte("pw"), p); err == nil {
				t.Errorf("%s: DeriveKEK accepted invalid params: %x", c.name, k)
			}
		}
	}
}

func TestNewScryptParams(t *testing.T) {
	for _, logN := range []int{MinScryptLogN, DefaultScryptLogN, MaxScryptLogN} {
		p := NewScryptParams(logN)
		if p.N != 1<<logN || p.R != 8 || p.P != 1 || p.KeyLen != 32 || len(p.Salt) != SaltSize {
			t.Errorf("NewScryptParams(%d) = %+v", logN, p)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("NewScryptParams(%d): %v", logN, err)
		}
	}
	if err := NewScryptParams(MinScryptLogN - 1).Validate(); err == nil {
		t.Error("logN 9 validated")
	}
	if err := NewScryptParams(MaxScryptLogN + 1).Validate(); err == nil {
		t.Error("logN above MaxScryptLogN validated")
	}
	a, b := NewScryptParams(10), NewScryptParams(10)
	if !independent(a.Salt, b.Salt) {
		t.Error("salts are not random")
	}
}

func TestDeriveKEKPasswordLength(t *testing.T) {
	p := ScryptParams{Salt: unhex(t, katSalt), N: 1024, R: 8, P: 1, KeyLen: 32}
	for _, c := range []struct {
		n     int
		valid bool
	}{{0, false}, {1, true}, {MaxPasswordSize, true}, {MaxPasswordSize + 1, false}, {1 << 16, false}} {
		k, err := DeriveKEK(bytes.Repeat([]byte{'p'}, c.n), p)
		if (err == nil) != c.valid {
			t.Errorf("%d-byte password: err = %v, want valid=%v", c.n, err, c.valid)
		}
		if err == nil && len(k) != KeySize {
			t.Errorf("%d-byte password: KEK is %d bytes", c.n, len(k))
		}
	}
	if _, err := DeriveKEK(nil, p); err == nil {
		t.Error("nil password accepted")
	}
}

// TestDeriveKEKInputs checks that password, salt and cost all change the
// KEK, and that a newline is not stripped (that is the caller's job).
func TestDeriveKEKInputs(t *testing.T) {
	base := ScryptParams{Salt: unhex(t, katSalt), N: 1024, R: 8, P: 1, KeyLen: 32}
	ref, err := DeriveKEK([]byte(katPassword), base)
	if err != nil || hex.EncodeToString(ref) != katKEK {
		t.Fatalf("reference KEK = %x, %v", ref, err)
	}
	otherSalt := base
	otherSalt.Salt = pattern(SaltSize)
	otherN := base
	otherN.N = 2048
	for name, in := range map[string]struct {
		pw string
		p  ScryptParams
	}{
		"newline": {katPassword + "\n", base},
		"case":    {"Correct horse battery staple", base},
		"salt":    {katPassword, otherSalt},
		"N":       {katPassword, otherN},
	} {
		k, err := DeriveKEK([]byte(in.pw), in.p)
		if err != nil || bytes.Equal(k, ref) {
			t.Errorf("%s: KEK %x, %v", name, k, err)
		}
	}
}
