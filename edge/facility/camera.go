package facility

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// CameraView is what a camera's picture shows, drawn by the installer on a
// snapshot: the facility zones it sees and the tripwires across it, in
// picture coordinates — fractions of the picture's width and height from
// its top left corner, so [0.5, 1] is the middle of the bottom edge —
// whatever the camera's resolution.
//
// Without a view, a camera watches its whole picture as its first zone.
type CameraView struct {
	Zones     []ViewZone `yaml:"zones"`
	Tripwires []Tripwire `yaml:"tripwires,omitempty"`
}

// ViewZone is the part of the picture where people's feet are in a
// facility zone. Anyone in a zone of kind sterile_perimeter is an intrusion.
type ViewZone struct {
	// Zone is a facility zone, one of the camera's zones.
	Zone    string  `yaml:"zone"`
	Polygon []Point `yaml:"polygon"`
	// LoiterAfter: someone staying in the zone this long loiters (0: off).
	LoiterAfter Duration `yaml:"loiter_after,omitempty"`
	// CrowdMin: this many people in the zone at once is a crowd (0: off).
	CrowdMin int `yaml:"crowd_min,omitempty"`
}

// Tripwire is a line across the picture that people must not cross, or must
// not cross one way.
type Tripwire struct {
	ID string `yaml:"id"`
	// A and B are the ends of the line.
	A Point `yaml:"a"`
	B Point `yaml:"b"`
	// Left and Right name the sides as seen walking from A to B on the
	// picture ("sterile", "yard"); alarms say "from Left to Right".
	Left  string `yaml:"left"`
	Right string `yaml:"right"`
	// Direction is both (the default), left_to_right or right_to_left:
	// the crossings that raise an alarm.
	Direction string `yaml:"direction,omitempty"`
}

// tripwireDirections are the values of Tripwire.Direction.
var tripwireDirections = []string{"both", "left_to_right", "right_to_left"}

// validateCameraViews checks the views of the cameras: only cameras have
// one, its zones are the camera's own, its points lie in the picture.
func (f *Facility) validateCameraViews(l *errorList) {
	kinds := map[string]ZoneKind{}
	f.WalkZones(func(_ string, z *Zone) { kinds[z.ID] = z.Kind })
	for i, d := range f.Devices {
		if d.View == nil {
			continue
		}
		p := fmt.Sprintf("devices[%d].view", i)
		if d.Kind != DeviceCamera {
			l.add(p, "only a camera has a view")
			continue
		}
		if len(d.View.Zones) == 0 && len(d.View.Tripwires) == 0 {
			l.add(p, "needs zones or tripwires (or leave the view out: the whole picture is the camera's first zone)")
		}
		seen := ids{}
		for j, z := range d.View.Zones {
			zp := fmt.Sprintf("%s.zones[%d]", p, j)
			switch {
			case z.Zone == "":
				l.add(zp+".zone", "required: one of the camera's zones")
			case !slices.Contains(d.Zones, z.Zone):
				l.add(zp+".zone", fmt.Sprintf("%q is not one of the camera's zones %v", z.Zone, d.Zones))
			default:
				seen.addAs(l, zp+".zone", z.Zone, "zone")
			}
			if len(z.Polygon) < 3 {
				l.add(zp+".polygon", fmt.Sprintf("needs at least 3 points, has %d", len(z.Polygon)))
			}
			for k, pt := range z.Polygon {
				if !inPicture(pt) {
					l.add(fmt.Sprintf("%s.polygon[%d]", zp, k), fmt.Sprintf("%v is outside the picture: want fractions from 0 to 1", []float64{pt.X, pt.Y}))
				}
			}
			if z.LoiterAfter < 0 || (z.LoiterAfter > 0 && time.Duration(z.LoiterAfter) < time.Second) {
				l.add(zp+".loiter_after", "want 0 (off) or at least 1s")
			}
			if z.CrowdMin < 0 || z.CrowdMin == 1 || z.CrowdMin > 1000 {
				l.add(zp+".crowd_min", "want 0 (off) or 2 to 1000 people")
			}
			if kinds[z.Zone] == ZoneSterilePerimeter && (z.LoiterAfter > 0 || z.CrowdMin > 0) {
				l.add(zp, "a sterile zone alarms on anyone in it; loiter_after and crowd_min add nothing")
			}
		}
		lines := ids{}
		for j, w := range d.View.Tripwires {
			wp := fmt.Sprintf("%s.tripwires[%d]", p, j)
			lines.add(l, wp+".id", w.ID)
			if !inPicture(w.A) || !inPicture(w.B) {
				l.add(wp, "an end lies outside the picture: want fractions from 0 to 1")
			}
			if w.A == w.B {
				l.add(wp, "both ends at the same point")
			}
			if w.Left == "" || w.Right == "" || w.Left == w.Right {
				l.add(wp+".left", "left and right name the two sides, differently (e.g. yard and sterile)")
			}
			if w.Direction != "" && !slices.Contains(tripwireDirections, w.Direction) {
				l.add(wp+".direction", badEnum("direction", w.Direction, tripwireDirections))
			}
		}
	}
}

func inPicture(p Point) bool {
	return p.X >= 0 && p.X <= 1 && p.Y >= 0 && p.Y <= 1 && !math.IsNaN(p.X) && !math.IsNaN(p.Y)
}
