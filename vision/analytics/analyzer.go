package analytics

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"slices"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/palisade/palisade/vision/cvframe"
	"github.com/palisade/palisade/vision/h264dec"
)

// Errors of Process.
var (
	// ErrClosed: the Analyzer was closed.
	ErrClosed = errors.New("analytics: analyzer closed")
	// ErrFrame: the frame is empty or not 8-bit gray or BGR.
	ErrFrame = errors.New("analytics: unusable frame")
	// ErrTime: the frame's time is not after the previous frame's.
	ErrTime = errors.New("analytics: frame time does not advance")
)

// motionQuiet is how long nothing must move before movement is reported
// again as a Motion event.
const motionQuiet = 10 * time.Second

// freezeFor is how long after its last detection a person keeps the
// background under them from learning.
const freezeFor = 10 * time.Second

// Analyzer runs the analytics of one camera: frames in, events out. Its
// methods may be called from any goroutine; they are serialised.
type Analyzer struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	motion  *motionModel
	people  *peopleDetector
	tracker *tracker
	rules   *rules
	tamper  *tamperWatch
	snap    *snapshotter

	input, gray, small, last gocv.Mat
	size                     image.Point // frame size the geometry is scaled to
	lastAt, lastMotion       time.Time
	counts                   []ZoneCount
	signalLost               bool
	closed                   bool
}

// New builds the analytics of one camera. It validates cfg (filling in
// defaults) and returns the validation error if any.
func New(cfg Config, log *slog.Logger) (*Analyzer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	people, err := newPeopleDetector(cfg.People)
	if err != nil {
		return nil, err
	}
	a := &Analyzer{
		cfg: cfg, log: log.With("component", "analytics", "camera", cfg.Camera),
		motion: newMotionModel(cfg.Motion), people: people,
		tracker: newTracker(cfg.Tracker, cfg.People.Confirm),
		tamper:  newTamperWatch(cfg.Tamper), snap: newSnapshotter(cfg.SnapshotQuality),
		input: gocv.NewMat(), gray: gocv.NewMat(), small: gocv.NewMat(), last: gocv.NewMat(),
	}
	a.counts = make([]ZoneCount, len(cfg.Zones))
	for i, z := range cfg.Zones {
		a.counts[i].Zone = z.ID
	}
	return a, nil
}

// Close frees the OpenCV memory. Later calls fail with ErrClosed.
func (a *Analyzer) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.closed = true
	a.motion.close()
	a.people.close()
	a.tamper.close()
	a.snap.close()
	for _, m := range []*gocv.Mat{&a.input, &a.gray, &a.small, &a.last} {
		m.Close()
	}
}

// ProcessFrame is Process for a decoded frame (vision/h264dec, as
// vision/ingest hands it out); the pixels are copied.
func (a *Analyzer) ProcessFrame(f *h264dec.Frame, at time.Time) (Result, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return Result{}, ErrClosed
	}
	if err := cvframe.Into(&a.input, f); err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrFrame, err)
	}
	return a.process(a.input, at)
}

// Process analyses one frame (CV_8UC1 gray or CV_8UC3 BGR) taken at `at`
// — the camera's time for the frame, not the time of the call, so that
// replays and tests are exact. Times must increase. The frame is not kept
// or changed. Analysing 5 frames a second is enough for people walking.
func (a *Analyzer) Process(frame gocv.Mat, at time.Time) (Result, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return Result{}, ErrClosed
	}
	return a.process(frame, at)
}

func (a *Analyzer) process(frame gocv.Mat, at time.Time) (Result, error) {
	if frame.Empty() || (frame.Type() != gocv.MatTypeCV8UC1 && frame.Type() != gocv.MatTypeCV8UC3) {
		return Result{}, fmt.Errorf("%w: %dx%d of type %v, want CV_8UC1 or CV_8UC3", ErrFrame, frame.Cols(), frame.Rows(), frame.Type())
	}
	if !a.lastAt.IsZero() && !at.After(a.lastAt) {
		return Result{}, fmt.Errorf("%w: %s after %s", ErrTime, at.Format(time.RFC3339Nano), a.lastAt.Format(time.RFC3339Nano))
	}
	var dt time.Duration
	if !a.lastAt.IsZero() {
		dt = at.Sub(a.lastAt)
	}
	a.lastAt = at
	gray := frame
	if frame.Channels() == 3 {
		gocv.CvtColor(frame, &a.gray, gocv.ColorBGRToGray)
		gray = a.gray
	}
	if size := image.Pt(frame.Cols(), frame.Rows()); size != a.size {
		a.resize(size)
	}
	small := gray
	mw := a.cfg.Motion.Width
	if frame.Cols() > mw {
		gocv.Resize(gray, &a.small, image.Pt(mw, max(frame.Rows()*mw/frame.Cols(), 1)), 0, 0, gocv.InterpolationArea)
		small = a.small
	}
	sx, sy := float64(frame.Cols())/float64(small.Cols()), float64(frame.Rows())/float64(small.Rows())

	var res Result
	var pending []pendingEvent
	tamper, changes := a.tamper.observe(small, at)
	for _, c := range changes {
		kind := KindTamper
		if c.cleared {
			kind = KindTamperCleared
		}
		pending = append(pending, pendingEvent{ev: Event{Kind: kind, Tamper: c.kind}, zone: -1, line: -1})
		a.log.Info("tamper", "event", kind, "tamper", c.kind)
	}
	res.Learning = !a.tamper.learned
	res.Tamper = tamper
	if a.signalLost {
		res.Tamper = SignalLost
	}

	regions, changed := a.motion.detect(small)
	global := changed >= a.cfg.Motion.GlobalChange
	for _, r := range regions {
		res.Motion = append(res.Motion, scaleRect(r, sx, sy))
	}
	// A frame that looks tampered with is not searched for people, even
	// before the condition has lasted long enough to be reported.
	if tamper == "" && a.tamper.cand == "" && !global {
		dets := a.detectPeople(gray, res.Motion, at, dt)
		a.tracker.update(at, dt, image.Rectangle{Max: a.size}, dets, res.Motion)
		pending = append(pending, a.rules.evaluate(at, a.tracker.tracks)...)
	} else {
		// The view is not the scene: nobody can be followed in it.
		a.tracker.expire(at)
	}
	var frozen []image.Rectangle
	for _, t := range a.tracker.tracks {
		if !t.person {
			continue
		}
		res.People = append(res.People, Person{Track: t.id, Box: t.box, Zones: a.zonesOf(t)})
		// The background does not learn under a person — unless the
		// detector has not seen them for a while: then it may be a
		// ghost the frozen background itself keeps alive.
		if at.Sub(t.detected) < freezeFor {
			frozen = append(frozen, scaleRect(t.box, 1/sx, 1/sy))
		}
	}
	a.motion.learn(dt, frozen, global)

	if len(res.Motion) > 0 {
		if a.lastMotion.IsZero() || at.Sub(a.lastMotion) >= motionQuiet {
			pending = append(pending, pendingEvent{ev: Event{Kind: KindMotion, Boxes: res.Motion}, zone: -1, line: -1})
		}
		a.lastMotion = at
	}
	blind := res.Tamper != "" || a.tamper.cand != "" || global
	for i := range a.counts {
		if !blind {
			a.counts[i].People = a.rules.counts[i]
		}
		a.counts[i].At, a.counts[i].Blind = at, blind
	}
	res.Counts = slices.Clone(a.counts)
	for _, p := range pending {
		ev, err := a.finish(p, frame, at)
		if err != nil {
			return res, err
		}
		if ev.Kind.Alarm() {
			a.log.Info("event", "kind", ev.Kind, "zone", ev.Zone, "line", ev.Line, "tracks", ev.Tracks)
		}
		res.Events = append(res.Events, ev)
	}
	frame.CopyTo(&a.last)
	return res, nil
}

// resize rescales the geometry to a new frame size and starts the models
// afresh: pixels of another size are not comparable.
func (a *Analyzer) resize(size image.Point) {
	if a.size != (image.Point{}) {
		a.log.Info("frame size changed; relearning the view", "from", a.size, "to", size)
	}
	a.size = size
	a.rules = newRules(a.cfg, size.X, size.Y)
	a.motion.reset()
	a.tamper.relearn()
	a.tracker.clear()
}

// zonesOf lists the zones a track's feet are in.
func (a *Analyzer) zonesOf(t *track) []string {
	var out []string
	for i, in := range t.rules.inZone {
		if in {
			out = append(out, a.cfg.Zones[i].ID)
		}
	}
	return out
}

// finish fills in an event's camera, time, boxes and snapshot.
func (a *Analyzer) finish(p pendingEvent, frame gocv.Mat, at time.Time) (Event, error) {
	ev := p.ev
	ev.Camera, ev.At = a.cfg.Camera, at
	for _, t := range p.tracks {
		ev.Boxes = append(ev.Boxes, t.box)
		ev.Tracks = append(ev.Tracks, t.id)
	}
	var zone, line []pt
	if p.zone >= 0 {
		zone = a.rules.zones[p.zone].poly
	}
	if p.line >= 0 {
		l := a.rules.lines[p.line]
		line = []pt{l.a, l.b}
	}
	var err error
	ev.Snapshot, err = a.snap.draw(frame, zone, line, ev.Boxes, ev.Tracks)
	return ev, err
}

// SignalLost records that the camera's pictures stopped (ingest reports a
// stall, an unreachable camera, a refused login) and returns the tamper
// event, with the last frame analysed as its snapshot. It returns nothing
// if the loss is already known.
func (a *Analyzer) SignalLost(at time.Time) []Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.signalLost {
		return nil
	}
	a.signalLost = true
	for i := range a.counts {
		a.counts[i].Blind = true
	}
	a.log.Warn("tamper", "event", KindTamper, "tamper", SignalLost)
	ev := Event{Kind: KindTamper, Tamper: SignalLost, Camera: a.cfg.Camera, At: at}
	if !a.last.Empty() {
		ev.Snapshot, _ = a.snap.draw(a.last, nil, nil, nil, nil) // without a snapshot the event still stands
	}
	return []Event{ev}
}

// SignalRestored records that pictures arrive again and returns the
// clearing event, or nothing if no loss was known.
func (a *Analyzer) SignalRestored(at time.Time) []Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || !a.signalLost {
		return nil
	}
	a.signalLost = false
	a.log.Info("tamper", "event", KindTamperCleared, "tamper", SignalLost)
	return []Event{{Kind: KindTamperCleared, Tamper: SignalLost, Camera: a.cfg.Camera, At: at}}
}

// Counts returns the people counted in each zone in the latest frame, in
// configuration order — for the headcount to cross-check against RFID.
func (a *Analyzer) Counts() []ZoneCount {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.counts)
}

// Relearn forgets the learned view (tamper baseline and background): call
// it when an installer has re-aimed the camera on purpose. A tamper
// condition in force clears once the new view is learned.
func (a *Analyzer) Relearn() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.motion.reset()
	a.tamper.relearn()
	a.tracker.clear()
}
