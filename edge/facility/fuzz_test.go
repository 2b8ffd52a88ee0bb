package facility

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic; a failure must
// be an Errors naming the file and a line for every problem; a success must
// validate and survive a round trip through yaml.Marshal.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "facility.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(base))
	for _, tc := range badCases {
		f.Add([]byte(tc.in))
	}
	for _, tc := range ruleCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fac, err := Parse("fuzz.yaml", data)
		if err != nil {
			if fac != nil {
				t.Fatal("Parse returned a facility and an error")
			}
			msg := err.Error()
			if msg == "" || !strings.Contains(msg, "fuzz.yaml:") {
				t.Fatalf("error does not name the file: %q", msg)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not match ErrInvalid: %v", err)
			}
			checkErrors(t, "fuzz.yaml", err)
			return
		}
		if err := fac.Validate(); err != nil {
			t.Fatalf("Parse succeeded but Validate fails: %v", err)
		}
		out, err := yaml.Marshal(fac)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if _, err := Parse("again.yaml", out); err != nil {
			t.Fatalf("re-parsing the marshalled facility: %v\n%s", err, out)
		}
	})
}
