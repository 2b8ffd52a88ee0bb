package analytics

import (
	"image"
	"time"
)

// Config shapes the analytics of one camera. Start from DefaultConfig,
// add zones and tripwires, and call Validate (New does).
type Config struct {
	// Camera names the camera in events and logs ("yard-north").
	Camera string `yaml:"camera"`
	// Width and Height are the size, in pixels, of the picture the zones
	// and tripwires were drawn on (image coordinates, origin top left).
	// Frames of another size are analysed with the geometry scaled to
	// them, so zones drawn on a 1280×720 snapshot serve 640×360 analysis.
	Width  int `yaml:"width"`
	Height int `yaml:"height"`

	Zones     []Zone     `yaml:"zones"`
	Tripwires []Tripwire `yaml:"tripwires"`

	Motion  MotionConfig  `yaml:"motion"`
	People  PeopleConfig  `yaml:"people"`
	Tracker TrackerConfig `yaml:"tracker"`
	Tamper  TamperConfig  `yaml:"tamper"`

	// SnapshotQuality is the JPEG quality of event snapshots, 1..100
	// (default 80: a 640×360 snapshot is about 30 kB).
	SnapshotQuality int `yaml:"snapshot_quality"`
}

// Zone is an area of the picture tied to a facility zone.
type Zone struct {
	// ID is the facility zone's id; events and counts carry it.
	ID string `yaml:"id"`
	// Polygon is the area where people's feet are, in image
	// coordinates: at least 3 points, in order, not self-crossing.
	Polygon []image.Point `yaml:"polygon"`
	// Sterile: anyone in it is an intrusion (the band between two
	// perimeter fences, a roof).
	Sterile bool `yaml:"sterile"`
	// LoiterAfter: a person staying in the zone this long loiters
	// (0: no loitering events).
	LoiterAfter time.Duration `yaml:"loiter_after"`
	// CrowdMin: this many people in the zone at once is a crowd (0: no
	// crowding events; otherwise at least 2).
	CrowdMin int `yaml:"crowd_min"`
}

// Direction selects which crossings of a tripwire raise events.
type Direction string

// Directions, named after the sides of the tripwire.
const (
	BothWays    Direction = "both"          // either way (the default)
	LeftToRight Direction = "left_to_right" // from the Left side to the Right side only
	RightToLeft Direction = "right_to_left" // from the Right side to the Left side only
)

// Tripwire is a line segment people's feet must not cross, or must not
// cross one way.
type Tripwire struct {
	// ID names the line in events ("inner-fence").
	ID string `yaml:"id"`
	// A and B are the ends of the segment, in image coordinates.
	A image.Point `yaml:"a"`
	B image.Point `yaml:"b"`
	// Left and Right name the sides as seen by someone walking along the
	// line on the screen from A to B ("yard", "sterile"); events say
	// "from Left to Right". Defaults "left" and "right".
	Left  string `yaml:"left"`
	Right string `yaml:"right"`
	// Direction chooses the crossings that raise events (default both).
	Direction Direction `yaml:"direction"`
}

// MotionConfig shapes the background model.
type MotionConfig struct {
	// Width is the width motion is computed at (default 320); the frame
	// is downscaled to it, keeping its aspect ratio. Frames narrower are
	// used as they are.
	Width int `yaml:"width"`
	// Threshold is the luma difference from the background that counts
	// as change, 1..255 (default 25), after the global brightness change
	// has been taken out.
	Threshold int `yaml:"threshold"`
	// MinArea is the smallest moving region, as a fraction of the
	// picture (default 0.0004: 23 pixels at 320×180).
	MinArea float64 `yaml:"min_area"`
	// Learn is the time constant with which the background follows the
	// picture where nothing moves (default 4 s).
	Learn time.Duration `yaml:"learn"`
	// LearnForeground is the time constant where something changed that
	// is not a tracked person (a parked cart, a moved bench, the ghost
	// of someone who stood there when analysis started); default 15 s.
	// Under tracked people the background does not learn at all.
	LearnForeground time.Duration `yaml:"learn_foreground"`
	// GlobalChange is the fraction of the picture that, changing at
	// once, is taken for a change of the whole view (lights switched,
	// the camera covered or moved) rather than motion (default 0.4).
	GlobalChange float64 `yaml:"global_change"`
}

// PeopleConfig shapes people detection with OpenCV's HOG detector.
type PeopleConfig struct {
	// HitThreshold is the detector's SVM score a window needs (default
	// 0; higher misses more people and raises fewer false detections).
	HitThreshold float64 `yaml:"hit_threshold"`
	// Height is the height, in pixels, a moving region is scaled to so
	// that the person in it fills the detector's window (default 100;
	// the 64×128 window was trained on people about 96 pixels tall).
	Height int `yaml:"height"`
	// Scale is the step between the detector's pyramid levels (default
	// 1.1). OpenCV's own default, 1.05, finds people of more sizes in a
	// region at twice the cost; regions are already scaled to the
	// expected person.
	Scale float64 `yaml:"scale"`
	// MaxRegions bounds the regions examined per frame (default 12);
	// the largest moving regions and the tracked people go first.
	MaxRegions int `yaml:"max_regions"`
	// Confirm is how many detections make a track a person whose
	// movements raise events (default 2).
	Confirm int `yaml:"confirm"`
}

// TrackerConfig shapes the tracker.
type TrackerConfig struct {
	// MaxGap: a track neither detected nor moving for this long ends
	// (default 2 s).
	MaxGap time.Duration `yaml:"max_gap"`
	// Reacquire: a person detected within this time near where a track
	// ended continues that track — its id, dwell time and alarms —
	// rather than raising its alarms again (default 4 s).
	Reacquire time.Duration `yaml:"reacquire"`
	// CrowdReArm: after a crowd event, the zone must hold fewer than
	// CrowdMin people for this long before another (default 5 s).
	CrowdReArm time.Duration `yaml:"crowd_rearm"`
}

// TamperConfig shapes camera tamper detection.
type TamperConfig struct {
	// Learn is how long the healthy view is learned (sharpness,
	// contrast, a reference picture) before tampering can be reported
	// (default 5 s). The baseline then follows slow change (dusk, seasons).
	Learn time.Duration `yaml:"learn"`
	// Hold: a condition must last this long to be reported, and be gone
	// this long to be cleared (default 2 s), so that someone walking
	// past close to the lens is not a tamper.
	Hold time.Duration `yaml:"hold"`
	// Covered: contrast (standard deviation of luma) below this fraction
	// of the baseline's is a covered lens — dark or uniform (default 0.3).
	Covered float64 `yaml:"covered"`
	// Defocused: sharpness below this fraction of the baseline's is a
	// defocused or smeared lens (default 0.4).
	Defocused float64 `yaml:"defocused"`
	// TurnedAway: the share of the picture that still looks like the
	// reference falling below this means the camera points elsewhere
	// (default 0.4).
	TurnedAway float64 `yaml:"turned_away"`
}

// DefaultConfig returns the configuration of a camera with every default
// filled in and no zones or tripwires; width and height are the size its
// geometry will be drawn on.
func DefaultConfig(camera string, width, height int) Config {
	c := Config{Camera: camera, Width: width, Height: height}
	c.defaults()
	return c
}

func (c *Config) defaults() {
	setDefault(&c.SnapshotQuality, 80)
	m := &c.Motion
	setDefault(&m.Width, 320)
	setDefault(&m.Threshold, 25)
	setDefault(&m.MinArea, 0.0004)
	setDefault(&m.Learn, 4*time.Second)
	setDefault(&m.LearnForeground, 15*time.Second)
	setDefault(&m.GlobalChange, 0.4)
	p := &c.People
	setDefault(&p.Height, 100)
	setDefault(&p.Scale, 1.1)
	setDefault(&p.MaxRegions, 12)
	setDefault(&p.Confirm, 2)
	k := &c.Tracker
	setDefault(&k.MaxGap, 2*time.Second)
	setDefault(&k.Reacquire, 4*time.Second)
	setDefault(&k.CrowdReArm, 5*time.Second)
	t := &c.Tamper
	setDefault(&t.Learn, 5*time.Second)
	setDefault(&t.Hold, 2*time.Second)
	setDefault(&t.Covered, 0.3)
	setDefault(&t.Defocused, 0.4)
	setDefault(&t.TurnedAway, 0.4)
	for i := range c.Tripwires {
		w := &c.Tripwires[i]
		setDefault(&w.Left, "left")
		setDefault(&w.Right, "right")
		setDefault(&w.Direction, BothWays)
	}
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
