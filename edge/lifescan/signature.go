package lifescan

import (
	"math"
	"strings"
	"time"
)

// Kind is what a signature looks like: a person or an animal.
type Kind int

// Kinds of signature. Human is the zero value: a signature that cannot be
// classified counts as a person.
const (
	Human Kind = iota
	Animal
)

func (k Kind) String() string {
	if k == Animal {
		return "animal"
	}
	return "human"
}

// Signature is a living being the scan found: a target reported through
// most of the scan with a breathing or heart signature that holds still,
// or a body that moves.
type Signature struct {
	RangeBin        int     // median range bin
	BreathRate      float64 // median breaths per minute (0: no stable breathing)
	HeartRate       float64 // median beats per minute (0: no stable heartbeat)
	BreathDeviation float64 // median chest displacement, mm RMS, of the breathing reports
	Presence        float64 // fraction of the scan's frames the target was reported in
	Kind            Kind
	Confidence      float64 // probability of Kind under the classifier's model, 0.5–1
	Evidence        string  // what made it alive: "breathing", "heartbeat", "movement", joined by "+"
}

// Plausibility bounds of the median rates: wide enough for a frightened
// adult, a child and a dog at rest; a median outside is not a living
// being at rest (or is one the radar cannot measure, like a panting dog).
const (
	minBreath, maxBreath = 6.0, 45.0   // per minute
	minHeart, maxHeart   = 40.0, 180.0 // per minute
	minRateSeconds       = 3           // seconds of agreeing reports a rate needs
	minMovingFrames      = 5           // frames of body movement that prove a body
	settleSeconds        = 2.0         // after a movement, the rates are not trusted for this long
)

// rateStats summarises one reported rate over a signature's still reports.
type rateStats struct {
	n         int     // reports with the rate in the accepted band
	median    float64 // their median
	stability float64 // fraction of them within tolerance of the median
}

func stats(xs []float64, tolAbs, tolRel float64) rateStats {
	n := len(xs)
	if n == 0 {
		return rateStats{}
	}
	m := median(xs)
	tol := math.Max(tolAbs, tolRel*m)
	in := 0
	for _, x := range xs {
		if math.Abs(x-m) <= tol {
			in++
		}
	}
	return rateStats{n: n, median: m, stability: float64(in) / float64(n)}
}

// evaluate turns a cluster into a signature and says whether it is a
// living being. frames is the number of frames in the scan.
func (c Config) evaluate(cl *cluster, frames int) (Signature, bool) {
	var seen, still, moving int
	var brs, hrs, devs []float64
	settle := int(settleSeconds * float64(time.Second) / float64(c.Period))
	lastMove, lastFrame := math.MinInt/2, -1
	for _, r := range cl.reports { // sorted by frame
		if r.frame != lastFrame {
			seen++
			lastFrame = r.frame
		}
		if r.moving {
			moving++
			lastMove = r.frame
			continue // a moving body's rates are motion artefacts
		}
		if r.frame-lastMove <= settle {
			continue // the estimator's window still holds the movement
		}
		still++
		if float64(r.dev) >= c.BreathFloor && plausibleBreath(r.br) {
			brs = append(brs, float64(r.br))
			devs = append(devs, float64(r.dev))
		}
		if plausibleHeart(r.hr) {
			hrs = append(hrs, float64(r.hr))
		}
	}
	s := Signature{RangeBin: int(math.Round(medianBin(cl))), Presence: float64(seen) / float64(max(frames, 1))}
	minN := int(minRateSeconds * float64(time.Second) / float64(c.Period))
	b := stats(brs, 3, 0.15)
	h := stats(hrs, 10, 0.1)
	var ev []string
	breathing := b.n >= minN && float64(b.n) >= 0.3*float64(still) && b.stability >= c.MinStability &&
		b.median >= minBreath && b.median <= maxBreath
	if breathing {
		s.BreathRate = b.median
		s.BreathDeviation = median(devs)
		ev = append(ev, "breathing")
	}
	heartbeat := h.n >= minN && float64(h.n) >= 0.5*float64(still) && h.stability >= c.MinStability &&
		h.median >= minHeart && h.median <= maxHeart
	if heartbeat {
		s.HeartRate = h.median
		ev = append(ev, "heartbeat")
	}
	if moving >= minMovingFrames {
		ev = append(ev, "movement")
	}
	s.Evidence = strings.Join(ev, "+")
	s.Kind, s.Confidence = classify(s)
	return s, s.Presence >= c.MinPresence && len(ev) > 0
}

// classify weighs a human against an animal model on what the signature
// measured: breathing rate, heart rate, chest displacement. The models are
// wide normal distributions from physiology (adult at rest or frightened;
// medium dog at rest), not fitted to any data set; DESIGN.md says why the
// result only ever counts against a declaration. With nothing measured
// (movement only) the answer is human at 0.5.
func classify(s Signature) (Kind, float64) {
	var llr float64 // log-likelihood ratio, animal over human
	if s.BreathRate > 0 {
		llr += logNormal(s.BreathRate, 25, 7) - logNormal(s.BreathRate, 16, 5)
		d := math.Log(math.Max(s.BreathDeviation, 1e-3))
		llr += logNormal(d, math.Log(0.3), 0.6) - logNormal(d, math.Log(0.8), 0.6)
	}
	if s.HeartRate > 0 {
		llr += logNormal(s.HeartRate, 100, 25) - logNormal(s.HeartRate, 80, 15)
	}
	pAnimal := 1 / (1 + math.Exp(-llr))
	if pAnimal > 0.5 {
		return Animal, pAnimal
	}
	return Human, 1 - pAnimal
}

func logNormal(x, mean, sd float64) float64 {
	z := (x - mean) / sd
	return -0.5*z*z - math.Log(sd)
}
