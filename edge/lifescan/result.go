package lifescan

import (
	"fmt"
	"strings"
	"time"
)

// Verdict is the outcome of a scan. The zero value is Inconclusive, so a
// Result nobody filled in never lets a vehicle out.
type Verdict int

// Verdicts. Only Clear permits releasing the vehicle.
const (
	Inconclusive   Verdict = iota // the scan cannot tell: rescan, never release
	Clear                         // every signature is explained by the declaration
	HiddenOccupant                // more living beings than declared
)

func (v Verdict) String() string {
	switch v {
	case Clear:
		return "clear"
	case HiddenOccupant:
		return "hidden-occupant"
	}
	return "inconclusive"
}

// Result is the state of a scan at a moment.
type Result struct {
	Duration   time.Duration // from the first frame to the last
	Frames     int           // frames received
	Dropped    int           // frames lost, by the frame counter or the clock
	Signatures []Signature   // living beings found, nearest first
	Humans     int           // signatures classified human
	Animals    int           // signatures classified animal
	Rejected   int           // targets reported in ≥10% of frames that did not qualify as living beings
	Echoes     int           // signatures dropped as multipath echoes of a nearer one
	// Unexplained are targets reported through the scan that show no
	// measurable breathing or heartbeat (a shallow breather in noise, a
	// dog too small to measure, two beings the tracker kept mixing up).
	// They are not signatures, but they keep a scan from being clear when
	// the declaration does not cover them.
	Unexplained []Signature
	Vibration   bool // engine vibration detected
	Verdict     Verdict
	Reason      string // for the officer, one line
}

// Release tells whether the result permits opening the outer gate.
func (r Result) Release() bool { return r.Verdict == Clear }

// Result evaluates the scan as of at (the time of the caller's clock, in
// the same timeline as the frames'). It can be called at any moment and
// does not change the detector.
func (d *Detector) Result(at time.Time) Result {
	c := d.cfg
	r := Result{Frames: d.frames, Dropped: d.missing}
	var problems []string
	if d.cfgErr != nil {
		problems = append(problems, d.cfgErr.Error())
	}
	if d.frames == 0 {
		r.Reason = strings.Join(append(problems, "no frames from the radar"), "; ")
		return r
	}
	r.Duration = d.last.Sub(d.first)
	if silent := at.Sub(d.last); silent > c.MaxGap {
		problems = append(problems, fmt.Sprintf("radar stopped sending: no frame for %.1f s", silent.Seconds()))
	}
	if d.maxGap > c.MaxGap {
		problems = append(problems, fmt.Sprintf("radar stopped sending for %.1f s, %.1f s into the scan",
			d.maxGap.Seconds(), d.maxGapAt.Seconds()))
	}
	if expected := d.frames + d.missing; float64(d.missing) > c.MaxDropped*float64(expected) {
		problems = append(problems, fmt.Sprintf("too many frames lost: %d of %d (%.0f%%)",
			d.missing, expected, 100*float64(d.missing)/float64(expected)))
	}
	if r.Duration < c.MinDuration {
		problems = append(problems, fmt.Sprintf("scan too short: %.1f s of the %.0f s needed",
			r.Duration.Seconds(), c.MinDuration.Seconds()))
	}
	if d.overflow {
		problems = append(problems, fmt.Sprintf("scan too long: more than %d frames; start a new scan", c.MaxFrames))
	}
	if d.flooded > 0 {
		problems = append(problems, fmt.Sprintf("%d frames with more targets than a radar reports: garbled data", d.flooded))
	}
	if d.fullReports > 0 {
		problems = append(problems, fmt.Sprintf("the radar reported vital signs for its maximum of %d targets: more may have gone unreported", c.MaxReports))
	}
	if r.Vibration = d.vibration(r.Duration); r.Vibration {
		problems = append(problems, "engine running: ask the driver to switch it off and rescan")
	}

	c.targets(d.clusters, d.frames, &r)

	if len(problems) > 0 {
		r.Verdict, r.Reason = Inconclusive, strings.Join(problems, "; ")
		return r
	}
	r.Verdict, r.Reason = judge(c.Declared, r.Humans, r.Animals, r.Unexplained)
	return r
}

// vibration tells whether the engine is running: micro-motion over many
// range cells in most frames, or the tracker locking onto short-lived
// targets (rates that mean nothing) faster than clutter explains.
func (d *Detector) vibration(dur time.Duration) bool {
	if float64(d.broadband) >= d.cfg.BroadbandFraction*float64(d.frames) {
		return true
	}
	short := int(2 * time.Second / d.cfg.Period)
	transients := 0
	for _, cl := range d.clusters {
		if len(cl.reports) < short {
			transients++
		}
	}
	return dur > 0 && float64(transients)/dur.Seconds() >= d.cfg.MaxTransientRate
}
