package config

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, fails only with the documented
// error types, and that whatever it accepts marshals to a stable form.
// The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			checkErrorType(t, err)
			return
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("Marshal of an accepted config: %v", err)
		}
		c2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse of Marshal output: %v\n%s", err, out)
		}
		again, err := c2.Marshal()
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Marshal not stable: %v\n%s\nvs\n%s", err, again, out)
		}
	})
}

func checkErrorType(t *testing.T, err error) {
	var pe *ParseError
	var fe *FieldError
	var ue *FeatureError
	if !errors.As(err, &pe) && !errors.As(err, &fe) && !errors.As(err, &ue) {
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
	if pe != nil && pe.Err == nil {
		t.Fatal("ParseError without cause")
	}
}
