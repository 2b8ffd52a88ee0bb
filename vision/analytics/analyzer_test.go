package analytics

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/cvframe"
)

func newAnalyzer(t *testing.T, cfg Config) *Analyzer {
	t.Helper()
	a, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func TestProcessRejects(t *testing.T) {
	a := newAnalyzer(t, DefaultConfig("cam", 64, 64))
	empty := gocv.NewMat()
	defer empty.Close()
	if _, err := a.Process(empty, epoch); !errors.Is(err, ErrFrame) {
		t.Errorf("empty Mat: %v, want ErrFrame", err)
	}
	float := gocv.NewMatWithSize(64, 64, gocv.MatTypeCV32F)
	defer float.Close()
	if _, err := a.Process(float, epoch); !errors.Is(err, ErrFrame) {
		t.Errorf("float Mat: %v, want ErrFrame", err)
	}
	gray := gocv.NewMatWithSize(64, 64, gocv.MatTypeCV8UC1)
	defer gray.Close()
	if _, err := a.Process(gray, epoch); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Process(gray, epoch); !errors.Is(err, ErrTime) {
		t.Errorf("same time twice: %v, want ErrTime", err)
	}
	a.Close()
	if _, err := a.Process(gray, epoch.Add(time.Second)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if evs := a.SignalLost(epoch.Add(time.Second)); evs != nil {
		t.Errorf("after Close: %v", evs)
	}
	a.Close() // idempotent
}

// recorded is what a short run of a scene raised.
type recorded struct {
	events []Event
	counts []ZoneCount
}

// runScene analyses one loop of a decoded scene at 5 fps, as gray frames
// or converted to BGR first, with the given configuration.
func runScene(t *testing.T, d *decoded, cfg Config, bgr bool) recorded {
	t.Helper()
	a := newAnalyzer(t, cfg)
	var rec recorded
	m, colour := gocv.NewMat(), gocv.NewMat()
	defer m.Close()
	defer colour.Close()
	for i, f := range d.frames {
		if f == nil || i%3 != 0 {
			continue
		}
		at := epoch.Add(time.Duration(i) * time.Second / 15)
		if err := cvframe.Into(&m, f); err != nil {
			t.Fatal(err)
		}
		frame := m
		if bgr {
			gocv.CvtColor(m, &colour, gocv.ColorGrayToBGR)
			frame = colour
		}
		r, err := a.Process(frame, at)
		if err != nil {
			t.Fatal(err)
		}
		rec.events = append(rec.events, r.Events...)
		rec.counts = r.Counts
	}
	return rec
}

// A BGR camera gives the analytics what its gray picture does; the
// snapshot of an intrusion is a JPEG of the frame with the intruder boxed.
func TestColourFramesAndSnapshot(t *testing.T) {
	d := decodeScene(t, "perimeter", 640, 360, 0)
	cfg := configFor(d.clip.Truth, 640, 360)
	gray := runScene(t, d, cfg, false)
	colour := runScene(t, d, cfg, true)
	if len(gray.events) == 0 || len(gray.events) != len(colour.events) {
		t.Fatalf("gray raised %v, BGR %v", gray.events, colour.events)
	}
	var intrusion *Event
	for i, g := range gray.events {
		c := colour.events[i]
		if g.Kind != c.Kind || !g.At.Equal(c.At) || g.Zone != c.Zone || g.Line != c.Line {
			t.Errorf("event %d: gray %v, BGR %v", i, g, c)
		}
		if c.Kind == KindIntrusion {
			intrusion = &colour.events[i]
		}
	}
	if intrusion == nil || len(intrusion.Boxes) != 1 || intrusion.Zone != "sterile" {
		t.Fatalf("no intrusion with one box in %v", colour.events)
	}
	img, err := jpeg.Decode(bytes.NewReader(intrusion.Snapshot))
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if img.Bounds() != image.Rect(0, 0, 640, 360) {
		t.Errorf("snapshot %v, want 640x360", img.Bounds())
	}
	// The box's left edge is drawn red.
	box := intrusion.Boxes[0]
	red := 0
	for y := box.Min.Y + 2; y < box.Max.Y-2; y++ {
		r, g, b, _ := img.At(box.Min.X, y).RGBA()
		if r>>8 > 180 && g>>8 < 110 && b>>8 < 110 {
			red++
		}
	}
	if red < (box.Dy()-4)*3/4 {
		t.Errorf("box %v: %d of %d pixels of its left edge are red", box, red, box.Dy()-4)
	}
}

// Zones drawn on a 1280×720 snapshot serve 640×360 analysis; a tripwire
// that alarms one way only stays silent the other way.
func TestGeometryScalesAndDirection(t *testing.T) {
	d := decodeScene(t, "tripwire", 640, 360, 0)
	cfg := configFor(d.clip.Truth, 1280, 720)
	for i := range cfg.Tripwires {
		if cfg.Tripwires[i].ID == "L" {
			cfg.Tripwires[i].Direction = LeftToRight // east to west only
		}
	}
	rec := runScene(t, d, cfg, false)
	var crossings []Event
	for _, e := range rec.events {
		if e.Kind == KindTripwire {
			crossings = append(crossings, e)
		}
	}
	// The walker crosses west to east at 3.06 s and back at 8.94 s.
	if len(crossings) != 1 || crossings[0].From != "east" || crossings[0].To != "west" ||
		crossings[0].At.Sub(epoch) < 8900*time.Millisecond || crossings[0].At.Sub(epoch) > 10*time.Second {
		t.Errorf("crossings %v, want one east to west at about 8.9 s", crossings)
	}
}

// The signal's loss is one event with the last picture; it clears once.
func TestSignalLoss(t *testing.T) {
	cfg := DefaultConfig("cam", 64, 64)
	cfg.Zones = []Zone{{ID: "z", Polygon: square(0, 0, 32)}}
	a := newAnalyzer(t, cfg)
	if evs := a.SignalRestored(epoch); evs != nil {
		t.Errorf("restored before any loss: %v", evs)
	}
	frame := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(90, 0, 0, 0), 64, 64, gocv.MatTypeCV8UC1)
	defer frame.Close()
	if _, err := a.Process(frame, epoch); err != nil {
		t.Fatal(err)
	}
	lost := a.SignalLost(epoch.Add(2 * time.Second))
	if len(lost) != 1 || lost[0].Kind != KindTamper || lost[0].Tamper != SignalLost || !lost[0].Kind.Alarm() {
		t.Fatalf("lost: %v", lost)
	}
	if _, err := jpeg.Decode(bytes.NewReader(lost[0].Snapshot)); err != nil {
		t.Errorf("the last picture: %v", err)
	}
	if again := a.SignalLost(epoch.Add(3 * time.Second)); again != nil {
		t.Errorf("lost twice: %v", again)
	}
	if c := a.Counts(); len(c) != 1 || !c[0].Blind {
		t.Errorf("counts while the signal is lost: %v, want blind", c)
	}
	r, err := a.Process(frame, epoch.Add(4*time.Second))
	if err != nil || r.Tamper != SignalLost {
		t.Errorf("a frame while lost: tamper %q, %v", r.Tamper, err)
	}
	back := a.SignalRestored(epoch.Add(5 * time.Second))
	if len(back) != 1 || back[0].Kind != KindTamperCleared || back[0].Tamper != SignalLost || back[0].Kind.Alarm() {
		t.Errorf("restored: %v", back)
	}
	if r, err := a.Process(frame, epoch.Add(6*time.Second)); err != nil || r.Tamper != "" || r.Counts[0].Blind {
		t.Errorf("a frame after: tamper %q, counts %v, %v", r.Tamper, r.Counts, err)
	}
}

// Counts may be read from another goroutine while frames are analysed
// (run with -race); the last read agrees with the last frame's result,
// and the crowd scene ends with its seven people in the assembly area.
func TestCountsWhileAnalysing(t *testing.T) {
	d := decodeScene(t, "crowd", 640, 360, 0)
	a := newAnalyzer(t, configFor(d.clip.Truth, 640, 360))
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
				a.Counts()
			}
		}
	}()
	var last Result
	for i, f := range d.frames {
		if i%3 == 0 {
			r, err := a.ProcessFrame(f, epoch.Add(time.Duration(i)*time.Second/15))
			if err != nil {
				t.Fatal(err)
			}
			last = r
		}
	}
	close(done)
	wg.Wait()
	got := a.Counts()
	if len(got) != 2 || got[1] != last.Counts[1] || got[1].Zone != "assembly" {
		t.Fatalf("Counts %v, last result %v", got, last.Counts)
	}
	want := 0
	for _, b := range d.clip.Truth.Frames[len(d.frames)-3].Boxes {
		if inside(toPts(d.clip.Truth.Zones[1].Polygon), pt{b.Foot.X, b.Foot.Y}) {
			want++
		}
	}
	if got[1].People != want || len(last.People) != want {
		t.Errorf("%d people counted in the assembly area, %d tracked; the truth has %d", got[1].People, len(last.People), want)
	}
}

func toPts(ps []camera.Point) []pt {
	out := make([]pt, len(ps))
	for i, p := range ps {
		out[i] = pt{p.X, p.Y}
	}
	return out
}
