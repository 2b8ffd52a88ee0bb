package watch

import (
	"slices"
	"time"

	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/ingest"
)

// Status is how a camera is, for a console.
type Status struct {
	Camera string
	// State, Reason, Since and NextAttempt are ingest's: the connection
	// in words (see ingest.State).
	State       ingest.State
	Reason      string
	Since       time.Time
	NextAttempt time.Time
	// ReceivedFPS is the camera's rate, AnalysedFPS the frames analysed
	// a second, both over the last seconds.
	ReceivedFPS, AnalysedFPS float64
	// Width and Height are the camera's picture size (0 before the
	// first picture).
	Width, Height int
	// Tamper is the tamper condition in force ("" for none); Learning is
	// set while the analytics still learn the camera's view.
	Tamper   analytics.TamperKind
	Learning bool
	// Counts are the people counted per zone in the last analysed frame.
	Counts []analytics.ZoneCount
	// People is the number of people tracked in the last analysed frame.
	People int
	// LastEvent is the last alarm or tamper change (nil before one).
	LastEvent *Event
	// Alarms and Clips count the alarms raised and the clips written.
	Alarms, Clips uint64
}

// Event is an event as the status shows it.
type Event struct {
	Kind   analytics.Kind
	At     time.Time
	Zone   string
	Line   string
	From   string
	To     string
	Tamper analytics.TamperKind
	Count  int
	// Alarm is the id of the alarm it raised ("" if none).
	Alarm string
}

// Status returns the camera's status.
func (w *Watcher) Status() Status {
	st := w.cam.Status()
	is := w.cam.Stats()
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	s := Status{
		Camera: w.cfg.Camera, State: st.State, Reason: st.Reason, Since: st.Since, NextAttempt: st.NextAttempt,
		ReceivedFPS: is.ReceivedFPS, AnalysedFPS: w.analysed.rate(now), Width: is.Width, Height: is.Height,
		Tamper: w.tamper, Learning: w.learning, Counts: slices.Clone(w.counts), People: w.people,
		Alarms: w.n.raised.Load(), Clips: w.n.clips.Load(),
	}
	if !isLive(st.State) {
		// Nothing is analysed while no picture arrives: the last counts
		// say nothing about now.
		s.AnalysedFPS, s.Counts, s.People = 0, nil, 0
	}
	if w.last != nil {
		e := *w.last
		s.LastEvent = &e
	}
	return s
}

func isLive(s ingest.State) bool { return s == ingest.Streaming || s == ingest.DecodeErrors }

// update takes in an analysed frame's result and reports whether a
// zone's count changed.
func (w *Watcher) update(res analytics.Result) bool {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.analysed.mark(now)
	w.tamper, w.learning, w.people = res.Tamper, res.Learning, len(res.People)
	changed := len(res.Counts) != len(w.counts)
	for i := 0; !changed && i < len(res.Counts); i++ {
		changed = res.Counts[i].Zone != w.counts[i].Zone || res.Counts[i].People != w.counts[i].People
	}
	w.counts = append(w.counts[:0], res.Counts...)
	return changed
}

// noteEvent remembers the last event for the status.
func (w *Watcher) noteEvent(ev analytics.Event, alarm string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = &Event{Kind: ev.Kind, At: ev.At, Zone: ev.Zone, Line: ev.Line, From: ev.From, To: ev.To,
		Tamper: ev.Tamper, Count: ev.Count, Alarm: alarm}
}

// rateMeter counts marks over the last two seconds.
type rateMeter struct {
	times []time.Time
}

const rateWindow = 2 * time.Second

func (m *rateMeter) mark(now time.Time) {
	m.trim(now)
	m.times = append(m.times, now)
}

func (m *rateMeter) trim(now time.Time) {
	i := 0
	for i < len(m.times) && now.Sub(m.times[i]) > rateWindow {
		i++
	}
	m.times = append(m.times[:0], m.times[i:]...)
}

func (m *rateMeter) rate(now time.Time) float64 {
	m.trim(now)
	return float64(len(m.times)) / rateWindow.Seconds()
}

// latencyBounds are the upper bounds of the frame-to-alarm latency
// histogram, in seconds.
var latencyBounds = []float64{0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5}

// latencyHist counts the time from an event's frame to its alarm being
// raised.
type latencyHist struct {
	counts []uint64 // per bound, not cumulative
	n      uint64
	sum    float64
}

func (h *latencyHist) observe(d time.Duration) {
	if h.counts == nil {
		h.counts = make([]uint64, len(latencyBounds))
	}
	s := d.Seconds()
	h.n++
	h.sum += s
	for i, b := range latencyBounds {
		if s <= b {
			h.counts[i]++
			return
		}
	}
}
