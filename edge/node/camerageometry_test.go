package node

import (
	"image"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/watch"
)

// The example's cameras: each view becomes the analytics' geometry on the
// 1000 × 1000 grid (the sterile_perimeter zone sterile), each simulated
// camera plays the scene its view was drawn for, and a camera without a
// view watches its whole picture as its first zone.
func TestCameraViews(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	scenes := map[string]string{"sp-camera": "tripwire", "corridor-camera": "loiter", "yard-camera": "perimeter"}
	for id, scene := range scenes {
		d, _ := f.Device(id)
		if got := simScene(f, d, nil); got != scene {
			t.Errorf("%s plays %q, want %q", id, got, scene)
		}
		if _, err := cameraView(f, d); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	yard, _ := f.Device("yard-camera")
	if got := simScene(f, yard, map[string]string{"yard-camera": "crowd"}); got != "crowd" {
		t.Errorf("override: %q", got)
	}
	v, _ := cameraView(f, yard)
	if len(v.Zones) != 2 || v.Zones[0].ID != "sterile-north" || !v.Zones[0].Sterile || v.Zones[1].Sterile ||
		v.Zones[0].Polygon[2] != image.Pt(1000, 280) || v.Zones[1].CrowdMin != 8 || v.Width != 1000 {
		t.Errorf("yard view: %+v", v.Zones)
	}
	sp, _ := f.Device("sp-camera")
	v, _ = cameraView(f, sp)
	if len(v.Tripwires) != 1 || v.Tripwires[0].A != image.Pt(500, 350) || v.Tripwires[0].Direction != analytics.BothWays {
		t.Errorf("sally-port tripwire: %+v", v.Tripwires)
	}

	bare := facility.Device{ID: "cam", Kind: facility.DeviceCamera, Zones: []string{"sterile-east"}}
	v, err = cameraView(f, bare)
	if err != nil || len(v.Zones) != 1 || !v.Zones[0].Sterile || v.Zones[0].Polygon[2] != image.Pt(1000, 1000) {
		t.Errorf("a camera without a view: %+v, %v", v.Zones, err)
	}
	if simScene(f, bare, nil) != "quiet-yard" {
		t.Error("a camera without a view plays a scene with events")
	}
}

// Camera events become alarms in an officer's words, with priorities and
// coalescing keys that keep different lines and tamper kinds apart.
func TestCameraAlarms(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	yard, _ := f.Device("yard-camera")
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		ev       analytics.Event
		reason   string
		kind     string
		priority int
		zone     string
		key      string
		words    string
	}{
		{analytics.Event{Kind: analytics.KindIntrusion, Zone: "sterile-north", At: at}, "", "camera.intrusion", 1, "sterile-north", "",
			"Intrusion: a person in the Sterile zone, north fence, seen by camera yard-camera."},
		{analytics.Event{Kind: analytics.KindTripwire, Line: "inner-fence", From: "yard", To: "sterile", At: at}, "", "camera.tripwire", 2, "yard",
			"camera.tripwire/yard/yard-camera/inner-fence", "crossed inner-fence from the yard side to the sterile side"},
		{analytics.Event{Kind: analytics.KindCrowd, Zone: "yard", Count: 9, At: at}, "", "camera.crowd", 2, "yard", "", "9 people gathered in the Exercise yard"},
		{analytics.Event{Kind: analytics.KindLoiter, Zone: "yard", At: at}, "", "camera.loiter", 3, "yard", "", "lingering in the Exercise yard"},
		{analytics.Event{Kind: analytics.KindTamper, Tamper: analytics.Covered, At: at}, "", "camera.tamper", 2, "yard",
			"camera.tamper/yard-camera/covered", "Camera yard-camera is covered"},
		{analytics.Event{Kind: analytics.KindTamper, Tamper: analytics.SignalLost, At: at}, "The camera at 10.0.3.21 refused the connection.", "camera.tamper", 2, "yard",
			"camera.tamper/yard-camera/signal_lost", "No video from camera yard-camera. The camera at 10.0.3.21 refused the connection."},
	} {
		r := cameraAlarm(f, yard, watch.Alarm{Event: tc.ev, Reason: tc.reason})
		if r.Kind != tc.kind || int(r.Priority) != tc.priority || r.Zone != tc.zone || r.Key != tc.key || r.Device != "yard-camera" ||
			!strings.Contains(r.Message, tc.words) {
			t.Errorf("%s: %+v", tc.ev.Kind, r)
		}
		if err := r.Normalize(); err != nil {
			t.Errorf("%s: %v", tc.ev.Kind, err)
		}
	}
}
