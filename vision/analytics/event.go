package analytics

import (
	"fmt"
	"image"
	"time"
)

// Kind is what an event reports. Every kind but KindMotion and KindTamperCleared is an alarm.
type Kind string

// Event kinds.
const (
	// KindIntrusion: a person's feet entered a sterile zone (or a person was
	// first seen in one).
	KindIntrusion Kind = "intrusion"
	// KindTripwire: a person's feet crossed a tripwire, From one side To the
	// other, in a direction the tripwire alarms on.
	KindTripwire Kind = "tripwire"
	// KindLoiter: a person has stayed in a zone for its LoiterAfter.
	KindLoiter Kind = "loiter"
	// KindCrowd: a zone holds at least its CrowdMin people.
	KindCrowd Kind = "crowd"
	// KindTamper: the camera is covered, defocused, turned away, or its
	// signal is lost; Tamper says which.
	KindTamper Kind = "tamper"
	// KindTamperCleared: the tamper condition named in Tamper has ended.
	KindTamperCleared Kind = "tamper_cleared"
	// KindMotion: something started moving after a quiet spell. Not an
	// alarm: for evidence recording and the console's activity strip.
	KindMotion Kind = "motion"
)

// Alarm reports whether an event of this kind is an alarm for officers.
func (k Kind) Alarm() bool { return k != KindMotion && k != KindTamperCleared }

// TamperKind says how a camera is being tampered with.
type TamperKind string

// Tamper kinds, in the order they are checked: a covered lens is not also
// reported as defocused, nor a defocused one as turned away.
const (
	Covered    TamperKind = "covered"     // the picture is dark or uniform
	Defocused  TamperKind = "defocused"   // the picture lost its sharpness
	TurnedAway TamperKind = "turned_away" // the picture no longer shows the learned view
	SignalLost TamperKind = "signal_lost" // no pictures arrive (reported by ingest)
)

// Event is something officers should know about one camera.
type Event struct {
	Kind   Kind
	Camera string
	At     time.Time // the time of the frame that raised it
	// Zone is the facility zone id (intrusion, loiter, crowd).
	Zone string
	// Line is the tripwire id, From and To the names of its sides
	// (tripwire).
	Line, From, To string
	// Tamper is the condition (tamper, tamper_cleared).
	Tamper TamperKind
	// Boxes are the people concerned, in the analysed frame's pixels;
	// for a crowd, everyone in the zone; for motion, the moving regions.
	Boxes []image.Rectangle
	// Tracks are the tracker's ids of those people (same order as Boxes).
	Tracks []int
	// Count is the number of people in the zone (crowd).
	Count int
	// Snapshot is a JPEG of the frame with the boxes and the zone or
	// line drawn; for signal_lost, the last frame before the loss (nil
	// if there was none).
	Snapshot []byte
}

func (e Event) String() string {
	at := e.At.Format("15:04:05.000")
	switch e.Kind {
	case KindTripwire:
		return fmt.Sprintf("%s %s %s: %s crossed from %s to %s", at, e.Camera, e.Kind, e.Line, e.From, e.To)
	case KindTamper, KindTamperCleared:
		return fmt.Sprintf("%s %s %s: %s", at, e.Camera, e.Kind, e.Tamper)
	case KindCrowd:
		return fmt.Sprintf("%s %s %s: %d people in %s", at, e.Camera, e.Kind, e.Count, e.Zone)
	case KindMotion:
		return fmt.Sprintf("%s %s %s: %d regions", at, e.Camera, e.Kind, len(e.Boxes))
	}
	return fmt.Sprintf("%s %s %s in %s, track %v", at, e.Camera, e.Kind, e.Zone, e.Tracks)
}

// ZoneCount is how many tracked people stand in a zone.
type ZoneCount struct {
	Zone   string
	People int
	At     time.Time // the frame the count is from
	// Blind: the camera cannot see (a tamper condition or the signal
	// lost); People is then the last count from before, not a count.
	Blind bool
}

// Person is a tracked person in a frame.
type Person struct {
	Track int
	Box   image.Rectangle // in the analysed frame's pixels
	Zones []string        // the zones the person's feet are in
}

// Result is what one frame yielded.
type Result struct {
	Events []Event
	// Counts has one entry per configured zone, in configuration order.
	Counts []ZoneCount
	// People are the confirmed tracks seen or coasting in this frame.
	People []Person
	// Motion are the moving regions, in the analysed frame's pixels.
	Motion []image.Rectangle
	// Tamper is the tamper condition in force after this frame ("" for
	// none); while it is, people events are not raised.
	Tamper TamperKind
	// Learning is set while the tamper baseline is still being learned.
	Learning bool
}
