package facility

import (
	"strings"
	"testing"
)

// withCamera is base with a camera on n1 watching c1 and c2, its view
// given as YAML lines indented under the device.
func withCamera(view string) string {
	return edit("users:\n", "  - id: cam\n    kind: camera\n    node: n1\n    zones: [c1, c2]\n    transport: {url: \"rtsp://10.0.0.5/s\"}\n"+view+"users:\n")
}

// A camera's view names its own zones with points on the picture; the
// errors say which key is wrong and why.
func TestCameraView(t *testing.T) {
	good := withCamera(`    view:
      zones:
        - {zone: c1, polygon: [[0, 0.3], [1, 0.3], [1, 1]], loiter_after: 30s}
        - {zone: c2, polygon: [[0, 0], [1, 0], [1, 0.3]], crowd_min: 4}
      tripwires:
        - {id: fence, a: [0, 0.3], b: [1, 0.3], left: c2, right: c1, direction: right_to_left}
`)
	f, err := Parse("f.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := f.Device("cam")
	if d.View == nil || len(d.View.Zones) != 2 || d.View.Zones[1].CrowdMin != 4 || d.View.Tripwires[0].B != (Point{1, 0.3}) ||
		d.View.Tripwires[0].Direction != "right_to_left" {
		t.Fatalf("view %+v", d.View)
	}
	for _, tc := range []struct {
		name, view string
		want       []string
	}{
		{"not the camera's zone", "    view:\n      zones:\n        - {zone: b, polygon: [[0, 0], [1, 0], [1, 1]]}\n",
			[]string{`f.yaml:33: devices[1].view.zones[0].zone: "b" is not one of the camera's zones [c1 c2]`}},
		{"point off the picture", "    view:\n      zones:\n        - {zone: c1, polygon: [[0, 0], [1.5, 0], [1, 1]]}\n",
			[]string{"devices[1].view.zones[0].polygon[1]: [1.5 0] is outside the picture: want fractions from 0 to 1"}},
		{"two points", "    view:\n      zones:\n        - {zone: c1, polygon: [[0, 0], [1, 0]]}\n",
			[]string{"devices[1].view.zones[0].polygon: needs at least 3 points, has 2"}},
		{"zone twice", "    view:\n      zones:\n        - {zone: c1, polygon: [[0, 0], [1, 0], [1, 1]]}\n        - {zone: c1, polygon: [[0, 0], [1, 0], [1, 1]]}\n",
			[]string{`devices[1].view.zones[1].zone: duplicate zone "c1"`}},
		{"crowd of one", "    view:\n      zones:\n        - {zone: c1, polygon: [[0, 0], [1, 0], [1, 1]], crowd_min: 1}\n",
			[]string{"devices[1].view.zones[0].crowd_min: want 0 (off) or 2 to 1000 people"}},
		{"short loiter", "    view:\n      zones:\n        - {zone: c1, polygon: [[0, 0], [1, 0], [1, 1]], loiter_after: 10ms}\n",
			[]string{"devices[1].view.zones[0].loiter_after: want 0 (off) or at least 1s"}},
		{"tripwire", "    view:\n      tripwires:\n        - {id: t, a: [0, 0], b: [0, 0], left: x, right: x, direction: up}\n",
			[]string{"devices[1].view.tripwires[0]: both ends at the same point",
				"devices[1].view.tripwires[0].left: left and right name the two sides",
				`devices[1].view.tripwires[0].direction: unknown direction "up"`}},
		{"empty view", "    view: {zones: []}\n", []string{"devices[1].view: needs zones or tripwires"}},
		{"unknown key", "    view:\n      zones:\n        - {zone: c1, colour: red, polygon: [[0, 0], [1, 0], [1, 1]]}\n",
			[]string{"devices[1].view.zones[0].colour: unknown key"}},
	} {
		_, err := Parse("f.yaml", []byte(withCamera(tc.view)))
		if err == nil {
			t.Errorf("%s: parsed", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error\n%v\nwant it to say %q", tc.name, err, w)
			}
		}
	}
	// Only cameras have a view.
	door := edit("transport: {simulated: true}}", "transport: {simulated: true}, view: {zones: [{zone: c1, polygon: [[0, 0], [1, 0], [1, 1]]}]}}")
	if _, err := Parse("f.yaml", []byte(door)); err == nil || !strings.Contains(err.Error(), "devices[0].view: only a camera has a view") {
		t.Errorf("a door contact with a view: %v", err)
	}
}
