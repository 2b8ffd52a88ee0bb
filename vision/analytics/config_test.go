package analytics

import (
	"image"
	"strings"
	"testing"
	"time"
)

func square(x, y, s int) []image.Point {
	return []image.Point{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}}
}

func TestDefaultConfigIsValid(t *testing.T) {
	c := DefaultConfig("yard-north", 640, 360)
	c.Zones = []Zone{{ID: "sterile-n", Polygon: []image.Point{{0, 36}, {640, 36}, {640, 101}, {0, 101}}, Sterile: true}}
	c.Tripwires = []Tripwire{{ID: "inner-fence", A: image.Pt(0, 101), B: image.Pt(640, 101), Left: "sterile", Right: "yard"}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Motion.Width != 320 || c.People.Confirm != 2 || c.Tamper.Hold != 2*time.Second || c.Tripwires[0].Direction != BothWays {
		t.Errorf("defaults not filled in: %+v", c)
	}
}

// Each mistake is reported with its key, all of them at once.
func TestValidateNamesTheKey(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no camera", func(c *Config) { c.Camera = "" }, "camera: required"},
		{"no size", func(c *Config) { c.Width = 0 }, "width, height: 0x360"},
		{"two points", func(c *Config) { c.Zones = []Zone{{ID: "z", Polygon: []image.Point{{0, 0}, {5, 5}}}} }, "zones[0].polygon: needs at least 3 points, has 2"},
		{"outside", func(c *Config) { c.Zones = []Zone{{ID: "z", Polygon: square(600, 10, 50)}} }, "zones[0].polygon[1]: (650,10) is outside the 640x360 picture"},
		{"flat", func(c *Config) { c.Zones = []Zone{{ID: "z", Polygon: []image.Point{{0, 0}, {5, 5}, {10, 10}}}} }, "zones[0].polygon: encloses no area"},
		{"bow tie", func(c *Config) {
			c.Zones = []Zone{{ID: "z", Polygon: []image.Point{{0, 0}, {10, 10}, {10, 0}, {0, 20}}}}
		}, "zones[0].polygon: edges 0 and 2 cross"},
		{"duplicate id", func(c *Config) {
			c.Zones = []Zone{{ID: "z", Polygon: square(0, 0, 10)}}
			c.Tripwires = []Tripwire{{ID: "z", A: image.Pt(0, 0), B: image.Pt(9, 9)}}
		}, `tripwires[0].id: "z" is also zones[0].id`},
		{"crowd of one", func(c *Config) { c.Zones = []Zone{{ID: "z", Polygon: square(0, 0, 10), CrowdMin: 1}} }, "zones[0].crowd_min: 1"},
		{"short loiter", func(c *Config) {
			c.Zones = []Zone{{ID: "z", Polygon: square(0, 0, 10), LoiterAfter: time.Millisecond}}
		}, "zones[0].loiter_after: 1ms"},
		{"point line", func(c *Config) { c.Tripwires = []Tripwire{{ID: "l", A: image.Pt(3, 3), B: image.Pt(3, 3)}} }, "tripwires[0]: both ends at (3,3)"},
		{"same sides", func(c *Config) {
			c.Tripwires = []Tripwire{{ID: "l", A: image.Pt(0, 0), B: image.Pt(9, 9), Left: "yard", Right: "yard"}}
		}, `tripwires[0].left, right: both sides are named "yard"`},
		{"direction", func(c *Config) {
			c.Tripwires = []Tripwire{{ID: "l", A: image.Pt(0, 0), B: image.Pt(9, 9), Direction: "inwards"}}
		}, `tripwires[0].direction: "inwards"`},
		{"threshold", func(c *Config) { c.Motion.Threshold = 300 }, "motion.threshold: 300"},
		{"learn", func(c *Config) { c.Motion.LearnForeground = time.Second }, "motion.learn: learn 4s, learn_foreground 1s"},
		{"scale", func(c *Config) { c.People.Scale = 2 }, "people.scale: 2"},
		{"hold", func(c *Config) { c.Tamper.Hold = -time.Second }, "tamper.hold: -1s"},
		{"fraction", func(c *Config) { c.Tamper.Covered = 1.5 }, "tamper.covered: 1.5"},
		{"quality", func(c *Config) { c.SnapshotQuality = 101 }, "snapshot_quality: 101"},
	}
	for _, tc := range cases {
		c := DefaultConfig("cam", 640, 360)
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	// All problems at once.
	c := Config{Width: 640, Height: 360, SnapshotQuality: 500, Zones: []Zone{{Polygon: square(0, 0, 5)}}}
	err := c.Validate()
	for _, want := range []string{"camera: required", "zones[0].id: required", "snapshot_quality: 500"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if _, err := New(c, nil); err == nil {
		t.Error("New accepted an invalid configuration")
	}
}
