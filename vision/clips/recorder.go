package clips

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
)

// Recorder is one camera's buffer of recent H.264 and the clips being cut
// from it.
//
// Push is called by one goroutine (the camera's ingest) in decode order;
// Record, Stats and Close may be called from any goroutine, Record by many
// at once. Push never blocks on the disk: files are written by Record on
// its caller's goroutine. A Recorder starts no goroutine.
type Recorder struct {
	cfg   Config
	log   *slog.Logger
	clk   Clock
	store *Store

	mu       sync.Mutex
	closed   bool
	epoch    time.Time // time of tick 0
	epochSet bool
	ring     ring
	sps, pps []byte  // the latest seen, checked
	params   *params // sps and pps as a pair, nil until both are seen
	dtsx     h264.DTSExtractor
	lastDTS  int64 // of the last stored access unit
	haveDTS  bool
	waitKey  bool // refuse pictures until a key frame
	pending  []*job
	warned   bool // the byte bound was hit and not yet relieved
	n        Stats
}

// New builds a camera's Recorder that writes its clips into store. log may
// be nil.
func New(cfg Config, store *Store, log *slog.Logger) (*Recorder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, fmt.Errorf("clips %q: no store", cfg.Camera)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{
		cfg:     cfg,
		log:     log.With("component", "clips", "camera", cfg.Camera),
		clk:     cfg.Clock,
		store:   store,
		waitKey: true,
	}
	r.dtsx.Initialize()
	return r, nil
}

// Stats are a Recorder's counters and the state of its buffer.
type Stats struct {
	Pushed  uint64 // access units given to Push
	Stored  uint64 // access units buffered
	Refused uint64 // access units Push returned an error for
	// Shortened counts GOPs dropped before History because of MaxBytes.
	Shortened uint64
	// Buffered is the number of access units in the buffer, BufferedBytes
	// their size, and Oldest and Newest their presentation times.
	Buffered       int
	BufferedBytes  int64
	Oldest, Newest time.Time
	Pending        int    // clips waiting for their post-event window
	Clips          uint64 // clips written
	Incomplete     uint64 // of which not covering their whole window
}

// Stats returns the counters and the buffer's state.
func (r *Recorder) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.n
	s.Buffered, s.BufferedBytes, s.Pending = len(r.ring.entries), r.ring.bytes, len(r.pending)
	if n := len(r.ring.entries); n > 0 {
		s.Oldest = r.timeOf(r.ring.entries[0].pts)
		s.Newest = r.timeOf(r.ring.entries[n-1].pts)
	}
	return s
}

// Push buffers one access unit. It returns an error, and drops the access
// unit, for input a clip cannot be made of: see ErrEmpty, ErrBadNALU,
// ErrTooLarge, ErrBadParams, ErrNoParams, ErrWaitingForKey, ErrBadTime.
// After any of them but ErrWaitingForKey the buffer waits for the next key
// frame, as the pictures that follow may refer to the one refused. The
// buffer itself stays valid: a bad access unit costs pictures, never the
// clip.
//
// An access unit holding only parameter sets (some cameras send SPS and
// PPS apart) updates them and is not stored.
func (r *Recorder) Push(au AccessUnit) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.n.Pushed++
	var in inspected
	err := protect(func() (err error) { in, err = inspect(au.NALUs); return err })
	if err == nil && au.Time.IsZero() {
		err = fmt.Errorf("%w: access unit without a time", ErrBadTime)
	}
	if err == nil {
		err = r.updateParams(in)
	}
	if err != nil {
		return r.refuse(err)
	}
	if !in.slices {
		return nil
	}
	if !in.key && r.waitKey {
		r.n.Refused++
		return ErrWaitingForKey
	}
	if in.key && r.params == nil {
		return r.refuse(fmt.Errorf("%w (the access unit has %d NAL units: types %v)", ErrNoParams, len(au.NALUs), types(au.NALUs)))
	}
	pts := r.ticks(au.Time)
	dts, err := r.decodeTime(au, in, pts)
	if err != nil {
		return r.refuse(err)
	}
	r.waitKey = false
	e := entry{pts: pts, dts: dts, key: in.key, data: appendAVCC(make([]byte, 0, in.size), au.NALUs)}
	if in.key {
		e.params = r.params
	}
	r.ring.push(e)
	r.lastDTS, r.haveDTS = dts, true
	r.n.Stored++
	r.evict(dts)
	r.feed(e)
	return nil
}

// refuse counts an access unit Push drops and makes the buffer wait for a
// key frame.
func (r *Recorder) refuse(err error) error {
	r.n.Refused++
	r.waitKey = true
	return err
}

// updateParams takes in new parameter sets. A changed SPS is parsed first:
// a clip's init segment is built from it.
func (r *Recorder) updateParams(in inspected) error {
	if in.sps != nil && !bytes.Equal(in.sps, r.sps) {
		if err := protect(func() error { _, _, err := checkSPS(in.sps); return err }); err != nil {
			return err
		}
		r.sps, r.params = bytes.Clone(in.sps), nil
	}
	if in.pps != nil && !bytes.Equal(in.pps, r.pps) {
		if err := checkPPS(in.pps); err != nil {
			return err
		}
		r.pps, r.params = bytes.Clone(in.pps), nil
	}
	if r.params == nil && r.sps != nil && r.pps != nil {
		// Both were checked when they arrived. They are never modified,
		// so clips share them.
		w, h, _ := checkSPS(r.sps)
		r.params = &params{sps: r.sps, pps: r.pps, width: w, height: h}
	}
	return nil
}

// decodeTime returns an access unit's decode time: its presentation time,
// unless the stream reorders pictures (B-frames), when mediacommon's
// DTSExtractor derives it from the slice headers. It must increase.
func (r *Recorder) decodeTime(au AccessUnit, in inspected, pts int64) (int64, error) {
	nalus := au.NALUs
	if in.key && in.sps == nil {
		// The extractor reads the SPS from the stream; a camera that
		// sends it out of band gets it from us.
		nalus = append([][]byte{r.params.sps, r.params.pps}, nalus...)
	}
	var dts int64
	err := protect(func() (err error) { dts, err = r.dtsx.Extract(nalus, pts); return err })
	if err == nil && r.haveDTS && dts <= r.lastDTS {
		err = errBackwards
	}
	if err == nil {
		return dts, nil
	}
	// The extractor's state is not to be trusted after an error; it
	// starts again at the next key frame.
	r.dtsx = h264.DTSExtractor{}
	r.dtsx.Initialize()
	if r.haveDTS && (errors.Is(err, errBackwards) || pts <= r.lastDTS) {
		return 0, fmt.Errorf("%w: access unit at %s is not after the previous one (decoded at %s)",
			ErrBadTime, au.Time.Format(timeFormat), r.timeOf(r.lastDTS).Format(timeFormat))
	}
	return 0, fmt.Errorf("%w: slice header: %v (NAL unit types %v)", ErrBadNALU, err, types(au.NALUs))
}

var errBackwards = errors.New("decode time not increasing")

const timeFormat = "15:04:05.000"

// evict bounds the buffer after a push of an access unit decoded at dts.
func (r *Recorder) evict(dts int64) {
	res := r.ring.evict(dts-toTicks(r.cfg.History), r.cfg.MaxBytes)
	switch {
	case res.gopTooLarge:
		r.waitKey = true
		r.log.Warn("one GOP exceeds the buffer's byte bound; buffer emptied, waiting for a key frame",
			"max_bytes", r.cfg.MaxBytes)
	case res.overBytes:
		r.n.Shortened++
		if !r.warned {
			r.warned = true
			r.log.Warn("buffer history shortened by its byte bound",
				"max_bytes", r.cfg.MaxBytes, "history_s", r.span().Seconds(), "want_s", r.cfg.History.Seconds())
		}
	case res.dropped > 0 && r.warned:
		r.warned = false
		r.log.Info("buffer history back within its byte bound", "history_s", r.span().Seconds())
	}
}

// span is the time the buffer covers.
func (r *Recorder) span() time.Duration {
	if len(r.ring.entries) == 0 {
		return 0
	}
	return fromTicks(r.lastDTS - r.ring.entries[0].pts)
}

// ticks converts a time to ticks since the epoch, the first time the
// Recorder saw.
func (r *Recorder) ticks(t time.Time) int64 {
	if !r.epochSet {
		r.epoch, r.epochSet = t, true
	}
	return toTicks(t.Sub(r.epoch))
}

func (r *Recorder) timeOf(ticks int64) time.Time {
	return r.epoch.Add(fromTicks(ticks))
}

// Close ends the Recorder: Push and new Records return ErrClosed, and
// pending Records write what they have. The buffer is released.
func (r *Recorder) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	for _, j := range r.pending {
		j.reason = "the recorder was closed"
		close(j.done)
	}
	r.pending = nil
	r.ring.reset()
}

// protect runs f, turning a panic into an ErrBadNALU error: a parser bug
// on one access unit costs that unit, not the node.
func protect(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: parser panic: %v", ErrBadNALU, v)
		}
	}()
	return f()
}

// types lists NAL unit types, for messages.
func types(nalus [][]byte) []int {
	out := make([]int, 0, min(len(nalus), 16))
	for _, n := range nalus[:min(len(nalus), 16)] {
		if len(n) == 0 {
			out = append(out, -1)
			continue
		}
		out = append(out, int(n[0]&0x1f))
	}
	return out
}
