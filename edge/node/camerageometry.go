package node

import (
	"fmt"
	"image"
	"math"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/watch"
)

// viewGrid is the size of the grid a camera's view is drawn on for the
// analytics: the facility file gives fractions of the picture, the
// analytics scale the grid to whatever size the frames have.
const viewGrid = 1000

// cameraView is the analytics configuration of a camera: its view from the
// facility file, zones tied to facility zones (a sterile_perimeter zone is
// sterile: anyone in it is an intrusion). Without a view, the whole
// picture is the camera's first zone.
func cameraView(f *facility.Facility, dev facility.Device) (analytics.Config, error) {
	c := analytics.DefaultConfig(dev.ID, viewGrid, viewGrid)
	at := func(p facility.Point) image.Point {
		return image.Pt(int(math.Round(p.X*viewGrid)), int(math.Round(p.Y*viewGrid)))
	}
	sterile := func(id string) bool {
		z, ok := f.Zone(id)
		return ok && z.Kind == facility.ZoneSterilePerimeter
	}
	if dev.View == nil {
		if len(dev.Zones) > 0 {
			c.Zones = []analytics.Zone{{ID: dev.Zones[0], Sterile: sterile(dev.Zones[0]),
				Polygon: []image.Point{{0, 0}, {viewGrid, 0}, {viewGrid, viewGrid}, {0, viewGrid}}}}
		}
	} else {
		for _, z := range dev.View.Zones {
			az := analytics.Zone{ID: z.Zone, Sterile: sterile(z.Zone), LoiterAfter: time.Duration(z.LoiterAfter), CrowdMin: z.CrowdMin}
			for _, p := range z.Polygon {
				az.Polygon = append(az.Polygon, at(p))
			}
			c.Zones = append(c.Zones, az)
		}
		for _, w := range dev.View.Tripwires {
			c.Tripwires = append(c.Tripwires, analytics.Tripwire{ID: w.ID, A: at(w.A), B: at(w.B), Left: w.Left, Right: w.Right,
				Direction: analytics.Direction(w.Direction)})
		}
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("camera %s: view: %w", dev.ID, err)
	}
	return c, nil
}

// Priorities of camera alarms: someone in the sterile zone may be
// escaping; a crossing, a crowd or a blinded camera need an officer now;
// loitering can wait for one.
var cameraPriority = map[analytics.Kind]alarm.Priority{
	analytics.KindIntrusion: 1,
	analytics.KindTripwire:  2,
	analytics.KindCrowd:     2,
	analytics.KindTamper:    2,
	analytics.KindLoiter:    3,
}

// cameraAlarm is the alarm of a camera's event, in an officer's words.
func cameraAlarm(f *facility.Facility, dev facility.Device, a watch.Alarm) alarm.Raise {
	zoneName := func(id string) string {
		if z, ok := f.Zone(id); ok && z.Name != "" {
			return z.Name
		}
		return id
	}
	zone := a.Zone
	if zone == "" && len(dev.Zones) > 0 {
		zone = dev.Zones[0]
	}
	r := alarm.Raise{Kind: "camera." + string(a.Kind), Priority: cameraPriority[a.Kind], Zone: zone, Device: dev.ID}
	if r.Priority == 0 {
		r.Priority = 2
	}
	switch a.Kind {
	case analytics.KindIntrusion:
		r.Message = fmt.Sprintf("Intrusion: a person in the %s, seen by camera %s.", zoneName(zone), dev.ID)
	case analytics.KindTripwire:
		r.Key = fmt.Sprintf("%s/%s/%s/%s", r.Kind, zone, dev.ID, a.Line)
		r.Message = fmt.Sprintf("A person crossed %s from the %s side to the %s side (camera %s, %s).", a.Line, a.From, a.To, dev.ID, zoneName(zone))
	case analytics.KindLoiter:
		r.Message = fmt.Sprintf("A person is lingering in the %s (camera %s).", zoneName(zone), dev.ID)
	case analytics.KindCrowd:
		r.Message = fmt.Sprintf("%d people gathered in the %s (camera %s).", a.Count, zoneName(zone), dev.ID)
	case analytics.KindTamper:
		r.Key = fmt.Sprintf("%s/%s/%s", r.Kind, dev.ID, a.Tamper)
		switch a.Tamper {
		case analytics.Covered:
			r.Message = fmt.Sprintf("Camera %s is covered or blacked out.", dev.ID)
		case analytics.Defocused:
			r.Message = fmt.Sprintf("Camera %s is out of focus, or its lens is smeared.", dev.ID)
		case analytics.TurnedAway:
			r.Message = fmt.Sprintf("Camera %s no longer shows its scene: it was turned away.", dev.ID)
		case analytics.SignalLost:
			r.Message = fmt.Sprintf("No video from camera %s. %s", dev.ID, a.Reason)
		default:
			r.Message = fmt.Sprintf("Camera %s is tampered with (%s).", dev.ID, a.Tamper)
		}
	default:
		r.Message = fmt.Sprintf("Camera %s: %s.", dev.ID, a.Event.String())
	}
	if len(r.Message) > 1000 {
		r.Message = r.Message[:1000]
	}
	return r
}
