package analytics

import (
	"context"
	"fmt"
	"image"
	"math"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/h264dec"
)

// The scoring harness: a scene's ground truth becomes a camera
// configuration, the scene is played through an Analyzer, and the events
// are matched with the truth's.

// epoch is when every simulated camera starts.
var epoch = time.Date(2025, 3, 1, 22, 0, 0, 0, time.UTC)

func needFFmpeg(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH: the camera simulator encodes its scenes with it (Debian: apt-get install ffmpeg)")
	}
}

// configFor is the configuration an installer would draw for the scene at
// w×h: its zones (the sterile one sterile, the loiter and crowd zones
// with the scene's thresholds) and its lines, as tripwires.
func configFor(tr *camera.Truth, w, h int) Config {
	c := DefaultConfig("sim-"+tr.Scene, w, h)
	px := func(p camera.Point) image.Point {
		return image.Pt(int(math.Round(p.X*float64(w))), int(math.Round(p.Y*float64(h))))
	}
	for _, z := range tr.Zones {
		zc := Zone{ID: z.Name, Sterile: z.Name == "sterile"}
		for _, p := range z.Polygon {
			zc.Polygon = append(zc.Polygon, px(p))
		}
		if z.Name == tr.LoiterZone {
			zc.LoiterAfter = tr.LoiterAfter
		}
		if z.Name == tr.CrowdZone {
			zc.CrowdMin = tr.CrowdMin
		}
		c.Zones = append(c.Zones, zc)
	}
	for _, l := range tr.Lines {
		c.Tripwires = append(c.Tripwires, Tripwire{ID: l.Name, A: px(l.A), B: px(l.B), Left: l.Left, Right: l.Right})
	}
	return c
}

// expectation is an alarm the truth calls for: its key, when, and how
// late it may come.
type expectation struct {
	key         string
	at          time.Time
	early, late time.Duration
}

// truthKey maps a truth event to the key of the alarm it calls for ("" if
// it calls for none: leaving a zone, entering one that is not sterile,
// the lens uncovered).
func truthKey(e camera.Event) (string, time.Duration, time.Duration) {
	switch e.Kind {
	case camera.EventEnter:
		if e.Zone == "sterile" {
			return "intrusion " + e.Zone, time.Second, 2 * time.Second
		}
	case camera.EventCross:
		return fmt.Sprintf("tripwire %s %s>%s", e.Line, e.From, e.To), time.Second, 2 * time.Second
	case camera.EventLoiter:
		return "loiter " + e.Zone, 2 * time.Second, 3 * time.Second
	case camera.EventCrowd:
		return "crowd " + e.Zone, 2 * time.Second, 3 * time.Second
	case camera.EventCovered:
		return "tamper covered", time.Second, 4 * time.Second
	case camera.EventDefocused:
		return "tamper defocused", time.Second, 4 * time.Second
	case camera.EventTurned:
		return "tamper turned_away", time.Second, 4 * time.Second
	case camera.EventCut:
		// Ingest notices within its stall timeout (1.5 s), then the
		// analytics report at once.
		return "tamper signal_lost", 0, 4 * time.Second
	}
	return "", 0, 0
}

// eventKey is the key of an alarm raised.
func eventKey(e Event) string {
	switch e.Kind {
	case KindTripwire:
		return fmt.Sprintf("tripwire %s %s>%s", e.Line, e.From, e.To)
	case KindTamper:
		return "tamper " + string(e.Tamper)
	}
	return string(e.Kind) + " " + e.Zone
}

// category is the row an alarm key is counted in.
func category(key string) string {
	f := strings.Fields(key)
	if f[0] == "tamper" {
		return "tamper " + f[1]
	}
	return f[0]
}

// tally is the score of some alarms.
type tally struct {
	truth, hit, false_ int
	latency            time.Duration // summed over hits
	misses             []string
	falses             []string
}

func (t *tally) add(o *tally) {
	t.truth += o.truth
	t.hit += o.hit
	t.false_ += o.false_
	t.latency += o.latency
	t.misses = append(t.misses, o.misses...)
	t.falses = append(t.falses, o.falses...)
}

// score matches alarms with expectations, each alarm at most once, the
// earliest fitting alarm first. Alarms outside [from, to) are ignored;
// times in the notes are from `from`.
func score(want []expectation, got []Event, from, to time.Time) map[string]*tally {
	out := map[string]*tally{}
	row := func(key string) *tally {
		c := category(key)
		if out[c] == nil {
			out[c] = &tally{}
		}
		return out[c]
	}
	var alarms []Event
	for _, e := range got {
		if e.Kind.Alarm() && !e.At.Before(from) && e.At.Before(to) {
			alarms = append(alarms, e)
		}
	}
	used := make([]bool, len(alarms))
	for _, w := range want {
		r := row(w.key)
		r.truth++
		found := false
		for i, e := range alarms {
			if !used[i] && eventKey(e) == w.key && !e.At.Before(w.at.Add(-w.early)) && !e.At.After(w.at.Add(w.late)) {
				used[i], found = true, true
				r.hit++
				r.latency += e.At.Sub(w.at)
				break
			}
		}
		if !found {
			r.misses = append(r.misses, fmt.Sprintf("%s at %s", w.key, w.at.Sub(from).Round(time.Millisecond)))
		}
	}
	for i, e := range alarms {
		if !used[i] {
			r := row(eventKey(e))
			r.false_++
			r.falses = append(r.falses, fmt.Sprintf("%s at %s (tracks %v)", eventKey(e), e.At.Sub(from).Round(time.Millisecond), e.Tracks))
		}
	}
	return out
}

// playOptions choose how a decoded scene is played.
type playOptions struct {
	loops int // scored loops after one warm-up loop
	every int // analyse every n-th frame (3: 5 of 15 fps)
	// gap is how long the empty yard (the scene's first frame) is shown
	// after each loop, at 1 fps: nothing moves in it.
	gap time.Duration
	// warmup is how much of the scene the warm-up loop plays before its
	// gap (0: all of it).
	warmup time.Duration
}

// playResult is a scene played through an Analyzer.
type playResult struct {
	truth      *camera.Truth
	events     []Event
	want       []expectation
	from, to   time.Time // the scored span
	frames     int       // analysed
	maxPersons int
	// People counted per zone against the truth, over the scored
	// loops' analysed frames with someone in the zone by either count.
	countFrames, countExact, countAbsErr, countSigned int
}

// decoded is a scene's clip decoded once: one gray frame per scene frame
// (nil where the camera sends nothing).
type decoded struct {
	clip   *camera.Clip
	frames []*h264dec.Frame
}

// decodeScene decodes a scene's H.264 with h264dec, scaled to width
// (0: the clip's own size).
func decodeScene(t testing.TB, scene string, w, h, width int) *decoded {
	t.Helper()
	needFFmpeg(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	clip, err := camera.LoadClip(ctx, scene, camera.ClipOptions{Width: w, Height: h})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := h264dec.New(h264dec.Config{Width: width})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	d := &decoded{clip: clip, frames: make([]*h264dec.Frame, len(clip.AUs))}
	period := time.Second / time.Duration(clip.Truth.FPS)
	waitKey := false
	for i, au := range clip.AUs {
		// The camera sends nothing during a cut, and resumes at a key
		// frame, as the simulator's camera does.
		if clip.Truth.Frames[i].Cut {
			waitKey = true
			continue
		}
		if waitKey && !isIDR(au) {
			continue
		}
		waitKey = false
		f := new(h264dec.Frame)
		ok, err := dec.DecodeFrame(au, time.Duration(i)*period, f)
		if err != nil || !ok {
			t.Fatalf("%s frame %d: decoded %v, %v", scene, i, ok, err)
		}
		d.frames[i] = f
	}
	return d
}

// play analyses every n-th frame of a decoded scene, loop after loop like
// a live camera, with frame times from the scene's clock. The first loop
// is a warm-up (the analytics learn the view; a live camera has been
// running for a while) and is not scored; loop k ≥ 1 takes the frames of
// phase (k−1) mod n, so that scored loops see different frames.
//
// Between loops the empty yard (the scene's first frame, which no figure
// has reached yet) is shown for o.gap: at a loop's seam every figure
// jumps back to its start, which nobody in a real yard does, and the gap
// makes each loop a trial of its own instead of a test of teleporting.
//
// During the scene's cut no frame is analysed and SignalLost is called
// where ingest would notice (1.5 s after the last frame), SignalRestored
// with the first frame after — so signal_lost is only scored over RTSP.
func play(t testing.TB, d *decoded, o playOptions) *playResult {
	t.Helper()
	tr := d.clip.Truth
	first := d.frames[0]
	a, err := New(configFor(tr, first.Width, first.Height), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res := &playResult{truth: tr}
	n := len(tr.Frames)
	period := time.Second / time.Duration(tr.FPS)
	loopLen := time.Duration(n)*period + o.gap
	at := func(loop, i int) time.Time {
		return epoch.Add(time.Duration(loop)*loopLen + time.Duration(i)*period)
	}
	res.from, res.to = at(1, 0), at(1+o.loops, 0)
	for loop := 1; loop <= o.loops; loop++ {
		for _, e := range tr.Events {
			if key, early, late := truthKey(e); key != "" {
				res.want = append(res.want, expectation{key, at(loop, e.Frame), early, late})
			}
		}
	}
	zones := make([][]pt, len(tr.Zones))
	for i, z := range tr.Zones {
		for _, p := range z.Polygon {
			zones[i] = append(zones[i], pt{p.X, p.Y})
		}
	}
	analyse := func(f *h264dec.Frame, now time.Time, truth *camera.FrameTruth) {
		r, err := a.ProcessFrame(f, now)
		if err != nil {
			t.Fatalf("%s at %v: %v", tr.Scene, now.Sub(epoch), err)
		}
		res.frames++
		res.maxPersons = max(res.maxPersons, len(r.People))
		res.events = append(res.events, r.Events...)
		if truth == nil || now.Before(res.from) {
			return
		}
		for i, c := range r.Counts {
			want := 0
			for _, b := range truth.Boxes {
				if inside(zones[i], pt{b.Foot.X, b.Foot.Y}) {
					want++
				}
			}
			if want == 0 && c.People == 0 {
				continue
			}
			res.countFrames++
			if want == c.People {
				res.countExact++
			}
			res.countAbsErr += abs(want - c.People)
			res.countSigned += c.People - want
		}
	}
	var cutSince time.Time
	for loop := 0; loop <= o.loops; loop++ {
		phase := 0
		if loop > 0 {
			phase = (loop - 1) % o.every
		}
		for i, f := range d.frames {
			now := at(loop, i)
			if loop == 0 && o.warmup > 0 && time.Duration(i)*period >= o.warmup {
				break
			}
			if f == nil {
				if cutSince.IsZero() {
					cutSince = now
				}
				if now.Sub(cutSince) >= 1500*time.Millisecond {
					res.events = append(res.events, a.SignalLost(now)...)
				}
				continue
			}
			if !cutSince.IsZero() {
				cutSince = time.Time{}
				res.events = append(res.events, a.SignalRestored(now)...)
			}
			if i%o.every == phase {
				analyse(f, now, &tr.Frames[i])
			}
		}
		for g := time.Second; g < o.gap; g += time.Second {
			analyse(first, at(loop, n).Add(g), &tr.Frames[0])
		}
	}
	return res
}

// isIDR reports whether an access unit holds an IDR slice.
func isIDR(au [][]byte) bool {
	for _, n := range au {
		if len(n) > 0 && n[0]&0x1f == 5 {
			return true
		}
	}
	return false
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
