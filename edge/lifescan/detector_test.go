package lifescan_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/lifescan"
	"github.com/palisade/palisade/firmware-sim/radar/scene"
	"github.com/palisade/palisade/sensors/radar"
)

// feed plays a scene into a detector, skipping the frames skip says to.
func feed(t *testing.T, name string, seed int64, cfg scene.Config, dc lifescan.Config, skip func(time.Duration) bool) (*lifescan.Detector, time.Time) {
	t.Helper()
	s, err := scene.New(name, seed, cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := lifescan.New(dc)
	var last time.Time
	for {
		f, ok := s.Next()
		if !ok {
			break
		}
		if skip != nil && skip(s.Elapsed()) {
			continue
		}
		last = t0.Add(s.Elapsed())
		d.Add(last, f)
	}
	return d, last
}

func declared(people, animals int) lifescan.Config {
	c := lifescan.DefaultConfig()
	c.Declared = lifescan.Declaration{People: people, Animals: animals}
	return c
}

func expect(t *testing.T, r lifescan.Result, want lifescan.Verdict, reason string) {
	t.Helper()
	if r.Verdict != want || !strings.Contains(r.Reason, reason) {
		t.Errorf("verdict %s (%s), want %s with %q", r.Verdict, r.Reason, want, reason)
	}
	if r.Release() != (want == lifescan.Clear) {
		t.Errorf("Release() = %v for %s", r.Release(), r.Verdict)
	}
}

func TestZeroValuesNeverRelease(t *testing.T) {
	var r lifescan.Result
	if r.Verdict != lifescan.Inconclusive || r.Release() {
		t.Errorf("zero Result: %s, release %v", r.Verdict, r.Release())
	}
	d := lifescan.New(lifescan.DefaultConfig())
	expect(t, d.Result(t0), lifescan.Inconclusive, "no frames from the radar")
}

func TestTooShort(t *testing.T) {
	d, last := feed(t, "driver", 1, scene.Config{Duration: 10 * time.Second}, declared(1, 0), nil)
	expect(t, d.Result(last), lifescan.Inconclusive, "scan too short: 9.9 s of the 15 s needed")

	// The officer's screen asks while the scan runs: not yet.
	d, _ = feed(t, "driver", 1, scene.Config{}, declared(1, 0), func(at time.Duration) bool { return at > 12*time.Second })
	expect(t, d.Result(t0.Add(12*time.Second)), lifescan.Inconclusive, "scan too short")
}

func TestRadarStops(t *testing.T) {
	// Frames stop part-way; the result is read at the planned end.
	d, _ := feed(t, "radar-stops", 1, scene.Config{}, declared(1, 0), nil)
	expect(t, d.Result(t0.Add(30*time.Second)), lifescan.Inconclusive, "radar stopped sending: no frame for")

	// A silence of 2 s in the middle of the scan, frames again after.
	gap := func(at time.Duration) bool { return at > 10*time.Second && at <= 12*time.Second }
	d, last := feed(t, "driver", 1, scene.Config{}, declared(1, 0), gap)
	expect(t, d.Result(last), lifescan.Inconclusive, "radar stopped sending for 2.1 s, 12.0 s into the scan")

	// Half a second of silence is within the rule.
	short := func(at time.Duration) bool { return at > 10*time.Second && at <= 10500*time.Millisecond }
	d, last = feed(t, "driver", 1, scene.Config{DropRate: -1}, declared(1, 0), short)
	expect(t, d.Result(last), lifescan.Clear, "all explained")
}

func TestEngineRunning(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		d, last := feed(t, "engine-running", seed, scene.Config{}, declared(1, 0), nil)
		r := d.Result(last)
		expect(t, r, lifescan.Inconclusive, "engine running: ask the driver to switch it off and rescan")
		if !r.Vibration {
			t.Error("Vibration not set")
		}
	}
}

func TestLostFrames(t *testing.T) {
	d, last := feed(t, "lossy-link", 1, scene.Config{}, declared(1, 0), nil)
	r := d.Result(last)
	expect(t, r, lifescan.Inconclusive, "too many frames lost")
	if r.Dropped < 60 {
		t.Errorf("Dropped = %d, want the third of the frames the link lost", r.Dropped)
	}

	// Played through a device that sends one frame per period whatever
	// the numbering: only the frame counter shows the loss.
	s, err := scene.New("lossy-link", 1, scene.Config{})
	if err != nil {
		t.Fatal(err)
	}
	d = lifescan.New(declared(1, 0))
	for i := 0; ; i++ {
		f, ok := s.Next()
		if !ok {
			break
		}
		last = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		d.Add(last, f)
	}
	expect(t, d.Result(last), lifescan.Inconclusive, "too many frames lost")
}

func TestFewerThanDeclared(t *testing.T) {
	// Two people declared, one in the vehicle (the other got out to sign
	// the register): clear, and the reason says one was not seen.
	d, last := feed(t, "driver", 1, scene.Config{}, declared(2, 0), nil)
	r := d.Result(last)
	expect(t, r, lifescan.Clear, "1 declared not seen by the radar")
	if len(r.Signatures) != 1 || r.Humans != 1 {
		t.Errorf("signatures %+v", r.Signatures)
	}
}

func TestReportsAtTheFirmwareLimit(t *testing.T) {
	c := declared(1, 0)
	c.MaxReports = 2
	d, last := feed(t, "driver-hidden", 1, scene.Config{}, c, nil)
	expect(t, d.Result(last), lifescan.Inconclusive, "maximum of 2 targets")
}

func TestInvalidConfig(t *testing.T) {
	c := declared(-1, 0)
	if err := c.Validate(); !errors.Is(err, lifescan.ErrConfig) {
		t.Fatalf("Validate() = %v", err)
	}
	d, last := feed(t, "driver", 1, scene.Config{}, c, nil)
	expect(t, d.Result(last), lifescan.Inconclusive, "declared")
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*lifescan.Config)
		ok   bool
	}{
		{"defaults", func(*lifescan.Config) {}, true},
		{"zero fields take defaults", func(c *lifescan.Config) { *c = lifescan.Config{} }, true},
		{"negative animals", func(c *lifescan.Config) { c.Declared.Animals = -1 }, false},
		{"gap under a period", func(c *lifescan.Config) { c.MaxGap = time.Millisecond }, false},
		{"all frames may drop", func(c *lifescan.Config) { c.MaxDropped = 1 }, false},
		{"presence above 1", func(c *lifescan.Config) { c.MinPresence = 1.5 }, false},
		{"negative tolerance", func(c *lifescan.Config) { c.BinTolerance = -1 }, false},
	} {
		c := lifescan.DefaultConfig()
		tc.mod(&c)
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v", tc.name, err)
		}
	}
}

func TestOutOfOrderFramesIgnored(t *testing.T) {
	s, err := scene.New("driver-hidden", 4, scene.Config{})
	if err != nil {
		t.Fatal(err)
	}
	clean, noisy := lifescan.New(declared(1, 0)), lifescan.New(declared(1, 0))
	var prev radar.Frame
	var prevAt, last time.Time
	for {
		f, ok := s.Next()
		if !ok {
			break
		}
		last = t0.Add(s.Elapsed())
		clean.Add(last, f)
		noisy.Add(last, f)
		noisy.Add(last, f) // repeated
		if !prevAt.IsZero() {
			noisy.Add(prevAt, prev) // late
		}
		prev, prevAt = f, last
	}
	a, b := clean.Result(last), noisy.Result(last)
	if a.Verdict != b.Verdict || a.Frames != b.Frames || len(a.Signatures) != len(b.Signatures) {
		t.Errorf("with repeated and late frames: %+v, without: %+v", b, a)
	}
}

// TestLyingDeclarations: the driver declares fewer beings than are aboard.
// No such scan may be clear.
func TestLyingDeclarations(t *testing.T) {
	for _, tc := range []struct {
		scene string
		decl  lifescan.Declaration
		lie   string
	}{
		{"driver-dog", lifescan.Declaration{People: 1}, "the dog is not declared"},
		{"driver-passenger", lifescan.Declaration{People: 1}, "the passenger is not declared"},
		{"two-hidden", lifescan.Declaration{People: 2}, "one of two hidden passes for a passenger"},
		{"driver-dog-hidden", lifescan.Declaration{People: 1}, "neither dog nor person declared"},
		{"hidden-child", lifescan.Declaration{People: 1}, "a child passes for nothing"},
	} {
		t.Run(tc.scene, func(t *testing.T) {
			t.Parallel()
			alarms := 0
			for seed := int64(1); seed <= 30; seed++ {
				r, _ := scan(t, tc.scene, seed, scene.Config{Noise: noiseLevels[int(seed)%len(noiseLevels)]},
					func(scene.Truth) lifescan.Declaration { return tc.decl })
				if r.Release() {
					t.Errorf("seed %d, %s: released: %s", seed, tc.lie, r.Reason)
				}
				if r.Verdict == lifescan.HiddenOccupant {
					alarms++
				}
			}
			t.Logf("%s: 30 runs, %d alarms, 0 released", tc.lie, alarms)
		})
	}
}

// TestEcho builds frames by hand: a breathing chest, its multipath echo
// farther and weaker, and a second person breathing in step with the
// first but with a heart of their own. The echo is dropped; the second
// person is not.
func TestEcho(t *testing.T) {
	type being struct {
		id, bin        uint16
		breathHz, ph   float64
		heartHz, hph   float64
		gain, noise    float64
		breath, heart  float32
		breathAmp, hAm float64
	}
	chest := being{id: 1, bin: 30, breathHz: 0.25, heartHz: 1.2, gain: 1, breath: 15, heart: 72, breathAmp: 1, hAm: 0.3}
	echo := chest
	echo.id, echo.bin, echo.gain, echo.noise = 2, 52, 0.4, 0.02
	twin := chest // same breathing, in phase; own heart
	twin.id, twin.bin, twin.heartHz, twin.hph, twin.heart, twin.gain, twin.noise = 3, 75, 1.45, 1, 87, 0.6, 0.02

	noise := func(i, k int, seed float64) float64 { return math.Sin(float64(i*131+k*17) * seed) } // deterministic
	d := lifescan.New(declared(2, 0))
	for i := range 300 {
		var f radar.Frame
		f.Header.FrameNumber = uint32(i + 1)
		for _, b := range []being{chest, echo, twin} {
			v := radar.VitalSigns{ID: b.id, RangeBin: b.bin, BreathRate: b.breath, HeartRate: b.heart,
				BreathDeviation: float32(0.7 * b.breathAmp * b.gain)}
			for k := range 15 {
				ts := (float64(i) + float64(k)/15) / 10
				v.BreathWaveform[k] = float32(b.gain*b.breathAmp*math.Sin(2*math.Pi*b.breathHz*ts+b.ph) + b.noise*noise(i, k, 1.3))
				v.HeartWaveform[k] = float32(b.gain*b.hAm*math.Sin(2*math.Pi*b.heartHz*ts+b.hph) + b.noise*noise(i, k, 2.9))
			}
			f.Vitals = append(f.Vitals, v)
		}
		d.Add(t0.Add(time.Duration(i)*100*time.Millisecond), f)
	}
	r := d.Result(t0.Add(29900 * time.Millisecond))
	if r.Echoes != 1 || len(r.Signatures) != 2 || r.Signatures[0].RangeBin != 30 || r.Signatures[1].RangeBin != 75 {
		t.Fatalf("echoes %d, signatures %+v", r.Echoes, r.Signatures)
	}
	expect(t, r, lifescan.Clear, "2 signatures")
}
