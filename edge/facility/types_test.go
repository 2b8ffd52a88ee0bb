package facility

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestPointYAML(t *testing.T) {
	tests := []struct {
		in      string
		want    Point
		wantErr string
	}{
		{in: "[1, 2]", want: Point{1, 2}},
		{in: "[3.5, -4]", want: Point{3.5, -4}},
		{in: "[0x10, 1e2]", want: Point{16, 100}},
		{in: "\n- 7\n- 8\n", want: Point{7, 8}},
		{in: "[1]", wantErr: "point must be [x, y], got a sequence of 1"},
		{in: "[1, 2, 3]", wantErr: "point must be [x, y], got a sequence of 3"},
		{in: "[a, 2]", wantErr: `point must be [x, y] of numbers, got !!str "a"`},
		{in: "[[1], 2]", wantErr: "point must be [x, y] of numbers, got a sequence of 1"},
		{in: "{x: 1, y: 2}", wantErr: "point must be [x, y], got a mapping"},
		{in: "12", wantErr: `point must be [x, y], got !!int "12"`},
	}
	for _, tc := range tests {
		var p Point
		err := yaml.Unmarshal([]byte(tc.in), &p)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err = %v, want %q", tc.in, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case p != tc.want:
			t.Errorf("%q = %v, want %v", tc.in, p, tc.want)
		}
	}

	out, err := yaml.Marshal(struct{ P Point }{Point{1.5, 2}})
	if err != nil || string(out) != "p: [1.5, 2]\n" {
		t.Errorf("Marshal = %q, %v; want \"p: [1.5, 2]\\n\"", out, err)
	}
}

func TestDurationYAML(t *testing.T) {
	var d Duration
	if err := yaml.Unmarshal([]byte("1h30m"), &d); err != nil || time.Duration(d) != 90*time.Minute {
		t.Errorf("1h30m = %v, %v", d, err)
	}
	if err := yaml.Unmarshal([]byte("[1m]"), &d); err == nil {
		t.Error("a sequence decoded as a duration")
	}
	out, err := yaml.Marshal(map[string]Duration{"d": Duration(2 * time.Minute)})
	if err != nil || string(out) != "d: 2m0s\n" {
		t.Errorf("Marshal = %q, %v", out, err)
	}
}

func TestParentPath(t *testing.T) {
	for in, want := range map[string]string{
		"zones[0].zones[3].polygon": "zones[0].zones[3]",
		"zones[0].zones[3]":         "zones[0].zones",
		"zones":                     "",
		"":                          "",
	} {
		if got := parentPath(in); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", in, got, want)
		}
	}
}
