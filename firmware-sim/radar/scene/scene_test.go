package scene_test

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/radar/scene"
	"github.com/palisade/palisade/sensors/radar"
)

// The radar device simulator plays frames from this interface.
var _ interface{ Next() (radar.Frame, bool) } = (*scene.Scene)(nil)

func frames(t *testing.T, name string, seed int64, cfg scene.Config) ([]radar.Frame, []time.Duration, *scene.Scene) {
	t.Helper()
	s, err := scene.New(name, seed, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var fs []radar.Frame
	var at []time.Duration
	for {
		f, ok := s.Next()
		if !ok {
			break
		}
		fs = append(fs, f)
		at = append(at, s.Elapsed())
	}
	if _, ok := s.Next(); ok {
		t.Fatal("Next returned a frame after the end")
	}
	return fs, at, s
}

func TestNames(t *testing.T) {
	names := scene.Names()
	for _, want := range []string{"empty", "driver", "driver-hidden", "engine-running", "driver-dog",
		"hidden-breath-hold", "two-hidden", "hidden-fidgeting-driver", "driver-passenger"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() lacks %q", want)
		}
	}
	if _, err := scene.New("minibus", 1, scene.Config{}); !errors.Is(err, scene.ErrUnknownScene) {
		t.Errorf("New(minibus) = %v, want ErrUnknownScene", err)
	}
}

// TestTruth pins the ground truth of every scene: who is aboard, who is
// hidden, whether the engine runs, whether the radar keeps sending.
func TestTruth(t *testing.T) {
	type truth struct {
		people, hidden, animals int
		engine, stops, lossy    bool
	}
	want := map[string]truth{
		"empty":                   {},
		"driver":                  {people: 1},
		"driver-hidden":           {people: 2, hidden: 1},
		"engine-running":          {people: 1, engine: true},
		"driver-dog":              {people: 1, animals: 1},
		"hidden-breath-hold":      {people: 2, hidden: 1},
		"two-hidden":              {people: 3, hidden: 2},
		"hidden-fidgeting-driver": {people: 2, hidden: 1},
		"driver-passenger":        {people: 2},
		"driver-fidgeting":        {people: 1},
		"driver-dog-hidden":       {people: 2, hidden: 1, animals: 1},
		"hidden-child":            {people: 2, hidden: 1},
		"engine-running-hidden":   {people: 2, hidden: 1, engine: true},
		"radar-stops":             {people: 2, hidden: 1, stops: true},
		"lossy-link":              {people: 2, hidden: 1, lossy: true},
	}
	if len(want) != len(scene.Names()) {
		t.Errorf("%d scenes, %d with a pinned truth", len(scene.Names()), len(want))
	}
	for _, name := range scene.Names() {
		for seed := int64(1); seed <= 20; seed++ {
			s, err := scene.New(name, seed, scene.Config{})
			if err != nil {
				t.Fatal(err)
			}
			tr := s.Truth()
			got := truth{tr.People, tr.HiddenPeople, tr.Animals, tr.EngineRunning, tr.StopsAfter > 0, tr.DropRate >= 0.3}
			if got != want[name] {
				t.Fatalf("%s seed %d: truth %+v, want %+v", name, seed, got, want[name])
			}
			if len(tr.Occupants) != tr.People+tr.Animals {
				t.Errorf("%s: %d occupants for %d people and %d animals", name, len(tr.Occupants), tr.People, tr.Animals)
			}
			for _, o := range tr.Occupants {
				plausible := o.RangeBin >= 20 && o.RangeBin <= 112 && o.BreathRate >= 8 && o.BreathRate <= 35 &&
					o.HeartRate >= 55 && o.HeartRate <= 140 && o.ChestMM > 0 && o.ChestMM <= 5 && o.HeartMM > 0
				if !plausible {
					t.Errorf("%s seed %d: implausible occupant %+v", name, seed, o)
				}
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	for _, name := range scene.Names() {
		a, _, sa := frames(t, name, 7, scene.Config{})
		b, _, sb := frames(t, name, 7, scene.Config{})
		if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(sa.Truth(), sb.Truth()) {
			t.Errorf("%s: two runs with seed 7 differ", name)
		}
		c, _, _ := frames(t, name, 8, scene.Config{})
		if reflect.DeepEqual(a, c) {
			t.Errorf("%s: seeds 7 and 8 give the same frames", name)
		}
	}
}

func TestTiming(t *testing.T) {
	fs, at, s := frames(t, "driver", 1, scene.Config{DropRate: -1})
	if len(fs) != 300 || s.Period() != 100*time.Millisecond {
		t.Fatalf("default scan: %d frames at %v, want 300 at 100ms", len(fs), s.Period())
	}
	for i := range fs {
		if at[i] != time.Duration(i+1)*100*time.Millisecond {
			t.Fatalf("frame %d at %v", i, at[i])
		}
		if i > 0 && fs[i].Header.FrameNumber != fs[i-1].Header.FrameNumber+1 {
			t.Fatalf("frame numbers %d then %d without a drop", fs[i-1].Header.FrameNumber, fs[i].Header.FrameNumber)
		}
	}

	fs, _, _ = frames(t, "driver", 1, scene.Config{Duration: 10 * time.Second, Period: 50 * time.Millisecond, DropRate: -1})
	if len(fs) != 200 {
		t.Errorf("10 s at 50 ms: %d frames, want 200", len(fs))
	}

	fs, at, s = frames(t, "radar-stops", 1, scene.Config{})
	if stop := s.Truth().StopsAfter; at[len(at)-1] > stop || at[len(at)-1] < stop-time.Second {
		t.Errorf("radar-stops: last frame at %v, stops after %v", at[len(at)-1], stop)
	}
	_, at, _ = frames(t, "driver", 1, scene.Config{StopsAfter: 4 * time.Second})
	if last := at[len(at)-1]; last > 4*time.Second {
		t.Errorf("StopsAfter 4s: last frame at %v", last)
	}
}

func TestLostFrames(t *testing.T) {
	fs, _, s := frames(t, "lossy-link", 3, scene.Config{})
	first, last := fs[0].Header.FrameNumber, fs[len(fs)-1].Header.FrameNumber
	lost := 1 - float64(len(fs))/float64(last-first+1)
	if rate := s.Truth().DropRate; math.Abs(lost-rate) > 0.08 {
		t.Errorf("lost %.2f of the frames, truth says %.2f", lost, rate)
	}
}

// TestVitalsFollowTruth checks that what the radar reports about a still
// driver on a clean radar is close to the driver's physiology.
func TestVitalsFollowTruth(t *testing.T) {
	for seed := int64(1); seed <= 10; seed++ {
		fs, _, s := frames(t, "driver", seed, scene.Config{Noise: 0.5, NoMultipath: true})
		d := s.Truth().Occupants[0]
		var br, hr, bins, devs []float64
		var rms float64
		n := 0
		for _, f := range fs {
			for _, v := range f.Vitals {
				if math.Abs(float64(v.RangeBin)-float64(d.RangeBin)) > 3 {
					continue // clutter
				}
				br = append(br, float64(v.BreathRate))
				hr = append(hr, float64(v.HeartRate))
				bins = append(bins, float64(v.RangeBin))
				devs = append(devs, float64(v.BreathDeviation))
				for _, x := range v.BreathWaveform {
					rms += float64(x) * float64(x)
					n++
				}
			}
		}
		if len(br) < 200 {
			t.Fatalf("seed %d: driver reported in %d of %d frames", seed, len(br), len(fs))
		}
		rms = math.Sqrt(rms / float64(n))
		check := func(what string, got, want, tol float64) {
			if math.Abs(got-want) > tol {
				t.Errorf("seed %d: %s %.2f, truth %.2f", seed, what, got, want)
			}
		}
		check("breath rate", med(br), d.BreathRate, 1.5)
		check("heart rate", med(hr), d.HeartRate, 8)
		check("range bin", med(bins), float64(d.RangeBin), 1)
		// A shaped breath of peak-to-peak A has an RMS of about 0.36 A.
		check("breath deviation", med(devs), 0.36*d.ChestMM, 0.15*d.ChestMM+0.05)
		check("waveform RMS", rms, med(devs), 0.2*med(devs))
	}
}

func TestEngineVibrates(t *testing.T) {
	micro := func(name string) (points float64, ids int) {
		fs, _, _ := frames(t, name, 5, scene.Config{})
		var counts []float64
		seen := map[uint16]bool{}
		for _, f := range fs {
			n := 0
			for _, p := range f.Points {
				if math.Abs(float64(p.Doppler)) < 0.3 {
					n++
				}
			}
			counts = append(counts, float64(n))
			for _, v := range f.Vitals {
				seen[v.ID] = true
			}
		}
		return med(counts), len(seen)
	}
	ep, eids := micro("engine-running")
	dp, dids := micro("driver")
	if ep < 10 || ep < 3*dp {
		t.Errorf("engine: median %.0f micro-motion points per frame, driver alone %.0f", ep, dp)
	}
	if eids < 5*dids {
		t.Errorf("engine: %d track ids, driver alone %d: expected many spurious tracks", eids, dids)
	}
}

func TestHeader(t *testing.T) {
	fs, _, _ := frames(t, "driver-hidden", 2, scene.Config{})
	for _, f := range fs {
		h := f.Header
		if h.NumDetectedObj != uint32(len(f.Points)) || f.Presence == nil {
			t.Fatalf("header %+v for %d points, presence %v", h, len(f.Points), f.Presence)
		}
		want := radar.HeaderLen + 12 + 144*len(f.Vitals)
		if len(f.Points) > 0 {
			want += 8 + 16*len(f.Points)
		}
		if len(f.Tracks) > 0 {
			want += 8 + 112*len(f.Tracks)
		}
		if h.TotalPacketLen != uint32(want) {
			t.Fatalf("TotalPacketLen %d, want %d", h.TotalPacketLen, want)
		}
		if (*f.Presence == 1) != (len(f.Tracks) > 0) {
			t.Fatalf("presence %d with %d tracks", *f.Presence, len(f.Tracks))
		}
	}
}

func med(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return math.NaN()
	}
	return s[len(s)/2]
}
