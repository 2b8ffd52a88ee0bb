package sallyport

import (
	"fmt"
	"time"

	"github.com/palisade/palisade/edge/lifescan"
	"github.com/palisade/palisade/sensors/radar"
)

// Evidence is what a life-detection scan found, recorded with its result
// on the log and shown with a hidden-occupant alarm.
type Evidence struct {
	Began      time.Time     `json:"began"`
	Duration   time.Duration `json:"duration"` // from the first frame to the last
	Frames     int           `json:"frames"`
	Dropped    int           `json:"dropped"`
	Declared   string        `json:"declared"` // e.g. "1 person, no animal"
	Signatures []Sign        `json:"signatures,omitempty"`
	Vibration  bool          `json:"vibration,omitempty"`
	Verdict    string        `json:"verdict"`
	Reason     string        `json:"reason"`
}

// Sign is one living being a scan found.
type Sign struct {
	Kind       string  `json:"kind"` // human, animal
	RangeM     float64 `json:"range_m"`
	Breath     float64 `json:"breath,omitempty"` // per minute
	Heart      float64 `json:"heart,omitempty"`  // per minute
	Confidence float64 `json:"confidence"`       // 0.5–1
	Evidence   string  `json:"evidence"`         // breathing, heartbeat, movement
}

// Lines is the evidence as short lines for an alarm.
func (e Evidence) Lines() []string {
	out := []string{
		fmt.Sprintf("scan %s, %d frames (%d lost), declared %s", e.Duration.Round(100*time.Millisecond), e.Frames, e.Dropped, e.Declared),
	}
	for i, s := range e.Signatures {
		if i == 30 {
			break
		}
		l := fmt.Sprintf("%s at %.1f m (%s, confidence %.0f%%)", s.Kind, s.RangeM, s.Evidence, 100*s.Confidence)
		if s.Breath > 0 {
			l += fmt.Sprintf(", breathing %.0f/min", s.Breath)
		}
		if s.Heart > 0 {
			l += fmt.Sprintf(", heart %.0f/min", s.Heart)
		}
		out = append(out, l)
	}
	return out
}

// DefaultScan judges scans with edge/lifescan's detector in its default
// configuration.
func DefaultScan() ScanConfig {
	return ScanConfig{Detector: func(people, animals int) Detector {
		c := lifescan.DefaultConfig()
		c.Declared = lifescan.Declaration{People: people, Animals: animals}
		return lifeDetector{d: lifescan.New(c), people: people, animals: animals, binM: c.RangeResolution}
	}}
}

type lifeDetector struct {
	d               *lifescan.Detector
	people, animals int
	binM            float64
}

func (l lifeDetector) Add(at time.Time, f radar.Frame) { l.d.Add(at, f) }

func (l lifeDetector) Judge(at time.Time) (Scan, Evidence) {
	r := l.d.Result(at)
	e := Evidence{Duration: r.Duration, Frames: r.Frames, Dropped: r.Dropped, Vibration: r.Vibration,
		Verdict: r.Verdict.String(), Reason: r.Reason, Declared: declared(l.people, l.animals)}
	for _, s := range r.Signatures {
		e.Signatures = append(e.Signatures, Sign{Kind: s.Kind.String(), RangeM: float64(s.RangeBin) * l.binM,
			Breath: s.BreathRate, Heart: s.HeartRate, Confidence: s.Confidence, Evidence: s.Evidence})
	}
	switch r.Verdict {
	case lifescan.Clear:
		return Clear, e
	case lifescan.HiddenOccupant:
		return Hidden, e
	}
	return Inconclusive, e
}

func declared(people, animals int) string {
	p := fmt.Sprintf("%d people", people)
	if people == 1 {
		p = "1 person"
	}
	switch animals {
	case 0:
		return p + ", no animal"
	case 1:
		return p + ", 1 animal"
	}
	return fmt.Sprintf("%s, %d animals", p, animals)
}
