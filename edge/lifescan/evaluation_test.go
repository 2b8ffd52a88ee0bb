package lifescan_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/lifescan"
	"github.com/palisade/palisade/firmware-sim/radar/scene"
)

// seeds is the number of runs per scene. Each run draws new occupants
// (rates, chest movement, seat), new radar imperfections, and a noise
// scale from the cycle below. For a longer sweep:
//
//	go test -run TestEvaluation -v ./edge/lifescan -args -seeds=1000
var seeds = flag.Int("seeds", 30, "runs per scene in TestEvaluation")

// noiseLevels cycles over the seeds: from a clean radar to twice the
// nominal measurement noise, dropouts and garbled reports.
var noiseLevels = []float64{0.5, 1, 1.5, 2}

var t0 = time.Date(2025, 3, 14, 6, 30, 0, 0, time.UTC)

// scan plays a whole scene into a detector, with the declaration declare
// makes from the truth, and reads the result at the scan's planned end, as
// the officer would.
func scan(t testing.TB, name string, seed int64, cfg scene.Config, declare func(scene.Truth) lifescan.Declaration) (lifescan.Result, scene.Truth) {
	t.Helper()
	s, err := scene.New(name, seed, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Truth()
	dc := lifescan.DefaultConfig()
	dc.Declared = declare(tr)
	d := lifescan.New(dc)
	for {
		f, ok := s.Next()
		if !ok {
			break
		}
		d.Add(t0.Add(s.Elapsed()), f)
	}
	end := cfg.Duration
	if end == 0 {
		end = scene.DefaultConfig().Duration
	}
	return d.Result(t0.Add(end)), tr
}

// honest is the declaration of an officer who counted what is visible.
func honest(tr scene.Truth) lifescan.Declaration {
	p, a := tr.Visible()
	return lifescan.Declaration{People: p, Animals: a}
}

// want is the verdict a scene must give: a scan the detector must refuse
// (engine, silent radar, lost frames), an alarm when someone is hidden,
// clear otherwise.
func want(tr scene.Truth) lifescan.Verdict {
	switch {
	case tr.EngineRunning || tr.StopsAfter > 0 || tr.DropRate >= 0.2:
		return lifescan.Inconclusive
	case tr.HiddenPeople > 0:
		return lifescan.HiddenOccupant
	}
	return lifescan.Clear
}

func describe(tr scene.Truth) string {
	s := fmt.Sprintf("%dP %dH %dA", tr.People, tr.HiddenPeople, tr.Animals)
	if tr.EngineRunning {
		s += " eng"
	}
	if tr.StopsAfter > 0 {
		s += " stop"
	}
	if tr.DropRate >= 0.2 {
		s += " loss"
	}
	return s
}

func sigs(r lifescan.Result) string {
	var b strings.Builder
	for _, s := range r.Signatures {
		fmt.Fprintf(&b, "[bin %d br %.1f hr %.0f dev %.2f pres %.2f %s %.2f %s] ", s.RangeBin, s.BreathRate,
			s.HeartRate, s.BreathDeviation, s.Presence, s.Kind, s.Confidence, s.Evidence)
	}
	return b.String()
}

// TestEvaluation runs every scene over many seeds with an honest
// declaration and prints the confusion table. It fails on a hidden
// occupant not alarmed, on a vehicle with a hidden occupant released, on
// a scan that should have been refused, and on an alarm in an empty
// vehicle or one with only its driver. Other errors are residuals, logged
// and counted. Scenes run in parallel subtests; the table comes last.
func TestEvaluation(t *testing.T) {
	names := scene.Names()
	outcomes := make([]outcome, len(names))
	t.Run("scene", func(t *testing.T) {
		for i, name := range names {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				outcomes[i] = evaluate(t, name)
			})
		}
	})

	var tally struct {
		hidden, caught, held, released     int // valid scans with someone hidden
		refusable, refused, refusedRelease int // scans that must be refused, someone hidden
		quiet, falseAlarms, quietValid     int // nobody hidden
		quietClear                         int
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	t.Logf("life-detection evaluation: %d seeds per scene, noise ×%v, honest declarations", *seeds, noiseLevels)
	t.Logf("%-24s %-13s %5s %6s %6s %6s  %-15s %5s", "scene", "truth", "runs", "alarm", "clear", "inconc", "expected", "wrong")
	for _, o := range outcomes {
		t.Logf("%-24s %-13s %5d %6d %6d %6d  %-15s %5d", o.name, describe(o.truth), o.runs,
			o.n[lifescan.HiddenOccupant], o.n[lifescan.Clear], o.n[lifescan.Inconclusive], want(o.truth), o.wrong)
		w := want(o.truth)
		switch {
		case o.truth.HiddenPeople > 0 && w == lifescan.HiddenOccupant:
			tally.hidden += o.runs
			tally.caught += o.n[lifescan.HiddenOccupant]
			tally.held += o.n[lifescan.Inconclusive]
			tally.released += o.n[lifescan.Clear]
		case o.truth.HiddenPeople > 0:
			tally.refusable += o.runs
			tally.refused += o.n[lifescan.Inconclusive]
			tally.refusedRelease += o.n[lifescan.Clear]
		default:
			tally.quiet += o.runs
			tally.falseAlarms += o.n[lifescan.HiddenOccupant]
			if w == lifescan.Clear {
				tally.quietValid += o.runs
				tally.quietClear += o.n[lifescan.Clear]
			}
		}
	}
	t.Logf("hidden occupants, valid scans: %d runs, %d alarmed (recall %.2f%%), %d held inconclusive, %d released",
		tally.hidden, tally.caught, pct(tally.caught, tally.hidden), tally.held, tally.released)
	t.Logf("hidden occupants, scans to refuse (engine, radar silent, frames lost): %d runs, %d refused, %d released",
		tally.refusable, tally.refused, tally.refusedRelease)
	t.Logf("nobody hidden: %d runs, %d false alarms (%.2f%%); valid scans clear %d of %d (%.2f%%)",
		tally.quiet, tally.falseAlarms, pct(tally.falseAlarms, tally.quiet), tally.quietClear, tally.quietValid,
		pct(tally.quietClear, tally.quietValid))
}

// outcome is one scene's row of the table.
type outcome struct {
	name  string
	truth scene.Truth // of the last seed: the counts are the same for all
	runs  int
	n     map[lifescan.Verdict]int
	wrong int
}

func evaluate(t *testing.T, name string) outcome {
	o := outcome{name: name, runs: *seeds, n: map[lifescan.Verdict]int{}}
	for seed := int64(1); seed <= int64(*seeds); seed++ {
		cfg := scene.Config{Noise: noiseLevels[int(seed)%len(noiseLevels)]}
		r, tr := scan(t, name, seed, cfg, honest)
		o.truth = tr
		o.n[r.Verdict]++
		if w := want(tr); r.Verdict != w {
			o.wrong++
			msg := fmt.Sprintf("%s seed %d noise %.1f: %s, want %s: %s; %s", name, seed, cfg.Noise, r.Verdict, w, r.Reason, sigs(r))
			if fatal(tr, w, r.Verdict) {
				t.Error(msg)
			} else {
				t.Log("residual: " + msg)
			}
		}
	}
	return o
}

// fatal tells whether a wrong verdict fails the evaluation: a hidden
// occupant not alarmed, a scan that should have been refused and was not,
// an alarm in an empty vehicle or one with only its driver. Other errors
// (an alarm for a declared dog taken for a person or for a multipath echo
// of a passenger; a clean scan refused) are residuals: logged, counted,
// reported.
func fatal(tr scene.Truth, want, got lifescan.Verdict) bool {
	if tr.HiddenPeople > 0 || want == lifescan.Inconclusive {
		return true
	}
	return got == lifescan.HiddenOccupant && tr.People <= 1 && tr.Animals == 0
}
