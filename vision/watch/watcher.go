package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/clips"
	"github.com/palisade/palisade/vision/h264dec"
	"github.com/palisade/palisade/vision/ingest"
)

// ErrRunning is returned by Run when the Watcher has run already: a
// Watcher runs once (Run releases the analytics and the buffer when it
// ends).
var ErrRunning = errors.New("watch: Run called twice")

// alarmQueue is how many alarm-worthy events may wait for Sink.Raise. A
// raise without a quorum returns within a second (the alarm is kept in the
// node's outbox), so the queue fills only if raising is broken; then the
// analysis waits rather than lose an alarm.
const alarmQueue = 64

// Watcher runs one camera. Run owns its goroutines; Status, Snapshot and
// Stats may be called from any goroutine, before, during and after Run.
type Watcher struct {
	cfg  Config
	sink Sink
	log  *slog.Logger
	cam  *ingest.Camera
	an   *analytics.Analyzer
	rec  *clips.Recorder

	alarms chan queued
	clipWG sync.WaitGroup
	ran    atomic.Bool
	closed sync.Once

	mu        sync.Mutex
	analysed  rateMeter
	tamper    analytics.TamperKind
	learning  bool
	counts    []analytics.ZoneCount
	people    int
	last      *Event
	lastClip  map[string]time.Time // alarm id → start of its last clip
	live      live
	latencies latencyHist

	n counters
}

// queued is an alarm-worthy event waiting to be raised.
type queued struct {
	ev     analytics.Event
	reason string
}

// counters are the Watcher's totals.
type counters struct {
	analysed, failed, pushRefused     atomic.Uint64
	raised, raiseFailed               atomic.Uint64
	clips, incomplete, clipsFailed    atomic.Uint64
	snapshotsSaved, snapshotsRefused  atomic.Uint64
	lastPushErr, lastAnalysisErrNanos atomic.Int64
}

// New builds a camera's Watcher; Run starts it. Clips are written into
// store. log may be nil.
func New(cfg Config, store *clips.Store, sink Sink, log *slog.Logger) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || sink.Raise == nil || sink.Clip == nil {
		return nil, fmt.Errorf("watch %q: a clip store, Sink.Raise and Sink.Clip are required", cfg.Camera)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{cfg: cfg, sink: sink, log: log.With("component", "watch", "camera", cfg.Camera),
		alarms: make(chan queued, alarmQueue), lastClip: map[string]time.Time{}}
	var err error
	if w.rec, err = clips.New(cfg.Clips, store, log); err != nil {
		return nil, err
	}
	ic := cfg.Ingest
	ic.OnAccessUnit = w.push
	if w.cam, err = ingest.New(ic, log); err != nil {
		w.rec.Close()
		return nil, err
	}
	if w.an, err = analytics.New(cfg.Analytics, log); err != nil {
		w.rec.Close()
		return nil, err
	}
	return w, nil
}

// Camera returns the camera's device id.
func (w *Watcher) Camera() string { return w.cfg.Camera }

// push hands an access unit to the evidence buffer, on ingest's RTP
// goroutine. Push copies it and never touches the disk.
func (w *Watcher) push(au [][]byte, t time.Time) {
	err := w.rec.Push(clips.AccessUnit{NALUs: au, Time: t})
	if err == nil || errors.Is(err, clips.ErrWaitingForKey) {
		return
	}
	w.n.pushRefused.Add(1)
	// One line a minute at most: a camera sending garbage would otherwise
	// flood the log at its frame rate.
	now := time.Now().UnixNano()
	if last := w.n.lastPushErr.Load(); now-last > int64(time.Minute) && w.n.lastPushErr.CompareAndSwap(last, now) {
		w.log.Warn("evidence buffer refused an access unit", "err", err, "refused_total", w.n.pushRefused.Load())
	}
}

// Run watches the camera until ctx ends, then stops everything it started
// and waits for it: the ingest, the analysis, the status watcher, the
// alarm queue (alarms still queued are raised) and the clips being
// recorded (written with what the buffer holds). It returns nil, or
// ErrRunning when called a second time.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.ran.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.cam.Run(ctx) })
	wg.Go(func() { w.watchSignal(ctx) })
	wg.Go(func() { w.raiseQueued(ctx) })
	w.log.Info("camera watch started", "url", redacted(w.cfg.Ingest.URL), "rate", w.cfg.Rate)
	w.analyse(ctx)
	cancel()
	// The ingest has stopped once wg is done: nothing pushes any more,
	// and the alarm goroutine starts no more clips.
	wg.Wait()
	return nil
}

// Close releases the analytics and ends the evidence buffer, writing the
// clips being recorded with what it holds. Run calls it when it ends; call
// it only for a Watcher that will not run.
func (w *Watcher) Close() {
	w.ran.Store(true) // a closed Watcher does not run
	w.closed.Do(func() {
		w.rec.Close()
		w.clipWG.Wait()
		w.an.Close()
		w.closeLive()
	})
}

// analyse takes the latest picture Rate times a second and analyses it,
// until ctx ends.
func (w *Watcher) analyse(ctx context.Context) {
	period := time.Duration(float64(time.Second) / w.cfg.Rate)
	var f h264dec.Frame
	var last time.Time
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		if err := w.cam.Next(ctx, &f); err != nil {
			return // ctx ended; Next fails for no other reason on a live camera
		}
		took := time.Now()
		at := w.cam.FrameTime(&f)
		if at.IsZero() {
			at = w.cfg.Now()
		}
		if last.IsZero() || at.After(last) {
			last = at
			w.process(ctx, &f, at)
		}
		// The next picture is taken a period after this one was, whatever
		// analysis cost: when it is slower than the rate, the rate drops
		// and no picture waits.
		if d := period - time.Since(took); d > 0 {
			pause.Reset(d)
			select {
			case <-ctx.Done():
				return
			case <-pause.C:
			}
		}
	}
}

// process analyses one frame taken at `at` and hands on what it yields.
func (w *Watcher) process(ctx context.Context, f *h264dec.Frame, at time.Time) {
	res, err := w.analyseFrame(f, at)
	if err != nil {
		w.n.failed.Add(1)
		now := time.Now().UnixNano()
		if last := w.n.lastAnalysisErrNanos.Load(); now-last > int64(time.Minute) && w.n.lastAnalysisErrNanos.CompareAndSwap(last, now) {
			w.log.Error("frame not analysed", "err", err, "failed_total", w.n.failed.Load())
		}
		return
	}
	w.n.analysed.Add(1)
	changed := w.update(res)
	if changed && w.sink.Counts != nil {
		w.sink.Counts(res.Counts)
	}
	for _, ev := range res.Events {
		switch {
		case ev.Kind.Alarm():
			w.enqueue(ctx, queued{ev: ev})
		case ev.Kind == analytics.KindTamperCleared:
			w.log.Info("tamper cleared", "tamper", ev.Tamper)
			w.noteEvent(ev, "")
		}
	}
	w.encodeLive(f, res, at)
}

// analyseFrame is ProcessFrame behind a recover boundary: a bug on one
// frame costs that frame, not the node.
func (w *Watcher) analyseFrame(f *h264dec.Frame, at time.Time) (res analytics.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("watch: panic analysing a frame: %v", r)
		}
	}()
	return w.an.ProcessFrame(f, at)
}

// enqueue hands an event to the alarm goroutine. When the queue is full
// the analysis waits: an alarm is never dropped for a frame.
func (w *Watcher) enqueue(ctx context.Context, q queued) {
	select {
	case w.alarms <- q:
	case <-ctx.Done():
	}
}

// watchSignal tells the analytics when ingest loses and regains the
// camera's pictures: a stalled, unreachable or refusing camera is a
// "signal lost" tamper alarm.
func (w *Watcher) watchSignal(ctx context.Context) {
	for {
		st, changed := w.cam.Watch()
		switch st.State {
		case ingest.Stalled, ingest.Unreachable, ingest.Unauthorized, ingest.UnsupportedCodec:
			for _, ev := range w.an.SignalLost(w.cfg.Now()) {
				w.enqueue(ctx, queued{ev: ev, reason: st.Reason})
			}
		case ingest.Streaming, ingest.DecodeErrors:
			for _, ev := range w.an.SignalRestored(w.cfg.Now()) {
				w.log.Info("signal restored")
				w.noteEvent(ev, "")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// raiseQueued raises the queued alarms in order until ctx ends, then
// hands those still queued to Sink.Raise with the ended context: they
// happened, and the sink keeps them without waiting (the node's outbox
// does, and replicates them when it runs again).
func (w *Watcher) raiseQueued(ctx context.Context) {
	for {
		select {
		case q := <-w.alarms:
			w.raise(ctx, q)
		case <-ctx.Done():
			for {
				select {
				case q := <-w.alarms:
					w.raise(ctx, q)
				default:
					return
				}
			}
		}
	}
}

// raise saves the event's snapshot, raises its alarm and starts its clip.
func (w *Watcher) raise(ctx context.Context, q queued) {
	a := Alarm{Event: q.ev, Reason: q.reason, Snapshot: w.saveSnapshot(q.ev)}
	id, err := w.sink.Raise(ctx, a)
	if err != nil {
		w.n.raiseFailed.Add(1)
		w.log.Error("alarm not raised", "event", q.ev.String(), "err", err)
		return
	}
	w.n.raised.Add(1)
	lat := time.Since(q.ev.At)
	w.mu.Lock()
	w.latencies.observe(lat)
	w.mu.Unlock()
	w.log.Info("alarm raised", "alarm", id, "event", q.ev.String(), "snapshot", a.Snapshot, "latency_ms", lat.Milliseconds())
	w.noteEvent(q.ev, id)
	if !w.wantClip(id, q.ev.At) {
		return
	}
	w.clipWG.Add(1)
	go func() {
		defer w.clipWG.Done()
		w.record(context.WithoutCancel(ctx), id, q.ev)
	}()
}

// wantClip decides whether an alarm gets a clip for an event at `at`: the
// first event of an alarm does, a repeat only RepeatClip after its last.
func (w *Watcher) wantClip(id string, at time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, t := range w.lastClip {
		if at.Sub(t) >= w.cfg.RepeatClip {
			delete(w.lastClip, k)
		}
	}
	if _, recent := w.lastClip[id]; recent {
		return false
	}
	w.lastClip[id] = at
	return true
}

// record cuts the alarm's clip — it waits for the post-event window to
// pass on the stream's own time — and hands it to the sink.
func (w *Watcher) record(ctx context.Context, id string, ev analytics.Event) {
	defer func() {
		if r := recover(); r != nil {
			w.n.clipsFailed.Add(1)
			w.log.Error("clip not recorded: panic", "alarm", id, "panic", r)
		}
	}()
	c, err := w.rec.Record(ctx, clips.Request{AlarmID: id, Event: ev.At})
	if err != nil {
		w.n.clipsFailed.Add(1)
		w.log.Warn("no clip for the alarm", "alarm", id, "err", err)
		return
	}
	w.n.clips.Add(1)
	if !c.Complete() {
		w.n.incomplete.Add(1)
	}
	w.sink.Clip(ctx, id, c)
}

// redacted hides a URL's password for the log.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
