package clips

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Request asks for the clip of an alarm.
type Request struct {
	// AlarmID is the alarm the clip is evidence for; it goes into the
	// clip's file name.
	AlarmID string
	// Event is when the alarm's event happened, on the clock of the
	// access units' times.
	Event time.Time
	// Pre and Post are the seconds before and after Event the clip
	// covers (0: the Recorder's defaults). The clip starts at the key
	// frame at or before Event−Pre, so it may begin up to a GOP earlier.
	Pre, Post time.Duration
}

// Clip is a written evidence clip.
type Clip struct {
	// Name is the file's name in the Store: what an alarm refers to and
	// a pin set holds. Path is the file's path.
	Name, Path string
	Camera     string
	AlarmID    string
	Event      time.Time
	// Start is the presentation time of the first picture, Duration the
	// time the clip covers, and Frames its number of pictures.
	Start    time.Time
	Duration time.Duration
	Frames   int
	// Width and Height are the picture size the SPS declares.
	Width, Height int
	// Size is the file's size in bytes; SHA256 the hex SHA-256 of its
	// bytes, to be recorded in the alarm.
	Size   int64
	SHA256 string
	// MissingPre and MissingPost are how much of the requested window the
	// clip lacks at either end: the buffer did not reach back so far, or
	// the stream stopped (or the recorder was closed) before the window
	// ended. Note says why, for a person; it is empty for a whole clip.
	MissingPre, MissingPost time.Duration
	Note                    string
}

// Complete reports whether the clip covers its whole requested window.
func (c Clip) Complete() bool { return c.MissingPre == 0 && c.MissingPost == 0 }

// job is a clip waiting for its post-event window.
type job struct {
	start, end int64         // the window in ticks: [Event−Pre, Event+Post)
	entries    []entry       // from a key frame; shared data, own slice
	complete   bool          // a picture decoded at or after end arrived
	reason     string        // why it ended otherwise
	done       chan struct{} // closed when complete or ended
}

// Record cuts the clip of req, waiting until the stream's own timestamps
// pass the end of its post-event window, and writes it into the Store.
// When the stream falls silent first, Record waits until Grace after the
// end of the window by the Recorder's clock, then writes what there is and
// says what is missing (Clip.MissingPost, Clip.Note); likewise when the
// Recorder is closed. It returns ErrNoVideo when there is no picture to
// write, ErrBadRequest, ErrBusy, ErrClosed, or ctx's error when ctx ends
// first (then nothing is written).
//
// Record blocks its caller for about Post; overlapping Records are
// independent, each writing its own file.
func (r *Recorder) Record(ctx context.Context, req Request) (Clip, error) {
	if err := r.checkRequest(&req); err != nil {
		return Clip{}, err
	}
	j, err := r.register(req)
	if err != nil {
		return Clip{}, err
	}
	if j != nil {
		deadline := req.Event.Add(req.Post + r.cfg.Grace)
		select {
		case <-j.done:
		case <-r.clk.After(deadline.Sub(r.clk.Now())):
		case <-ctx.Done():
			r.unregister(j)
			return Clip{}, fmt.Errorf("clips %q: alarm %s: %w", r.cfg.Camera, req.AlarmID, ctx.Err())
		}
		r.unregister(j)
	}
	return r.write(req, j)
}

func (r *Recorder) checkRequest(req *Request) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: camera %q: %s", ErrBadRequest, r.cfg.Camera, fmt.Sprintf(format, args...))
	}
	if req.Pre == 0 {
		req.Pre = r.cfg.Pre
	}
	if req.Post == 0 {
		req.Post = r.cfg.Post
	}
	switch {
	case strings.TrimSpace(req.AlarmID) == "":
		return bad("alarm_id: required")
	case req.Event.IsZero():
		return bad("event: no time")
	case req.Pre < 0 || req.Pre > r.cfg.History:
		return bad("pre: %v, want 0..%v (the buffer's history)", req.Pre, r.cfg.History)
	case req.Post < 0 || req.Post > r.cfg.MaxPost:
		return bad("post: %v, want 0..%v", req.Post, r.cfg.MaxPost)
	}
	return nil
}

// register takes what the buffer holds of the request's window and, if the
// window is still open, adds a pending job that Push completes.
func (r *Recorder) register(req Request) (*job, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if len(r.pending) >= r.cfg.MaxPending {
		return nil, fmt.Errorf("%w: camera %q: %d clips waiting", ErrBusy, r.cfg.Camera, len(r.pending))
	}
	j := &job{
		start: r.ticks(req.Event.Add(-req.Pre)),
		end:   r.ticks(req.Event.Add(req.Post)),
		done:  make(chan struct{}),
	}
	if i := r.ring.startIndex(j.start, j.end); i >= 0 {
		for _, e := range r.ring.entries[i:] {
			if e.dts >= j.end {
				break
			}
			j.entries = append(j.entries, e)
		}
	}
	if r.haveDTS && r.lastDTS >= j.end {
		j.complete = true
		close(j.done)
		return j, nil
	}
	r.pending = append(r.pending, j)
	return j, nil
}

// unregister removes j from the pending jobs if it is still there.
func (r *Recorder) unregister(j *job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.pending {
		if p == j {
			r.pending = append(r.pending[:i], r.pending[i+1:]...)
			return
		}
	}
}

// feed gives a stored picture to the pending jobs and completes those
// whose window it closes.
func (r *Recorder) feed(e entry) {
	keep := r.pending[:0]
	for _, j := range r.pending {
		switch {
		case e.dts >= j.end:
			j.complete = true
			close(j.done)
			continue
		case e.key && (len(j.entries) == 0 || e.pts <= j.start):
			// The first key frame of a window the buffer did not
			// reach, or a later one still at or before its start.
			clear(j.entries)
			j.entries = append(j.entries[:0], e)
		case len(j.entries) > 0:
			j.entries = append(j.entries, e)
		}
		keep = append(keep, j)
	}
	clear(r.pending[len(keep):])
	r.pending = keep
}

// write writes a finished job's clip.
func (r *Recorder) write(req Request, j *job) (Clip, error) {
	r.mu.Lock()
	entries, complete, reason := j.entries, j.complete, j.reason
	j.entries = nil
	epoch := r.epoch
	silent := !r.haveDTS || r.lastDTS < j.end
	evicted := len(r.ring.entries) > 0 && r.ring.entries[0].dts >= j.end
	r.mu.Unlock()
	timeOf := func(t int64) time.Time { return epoch.Add(fromTicks(t)) }

	if len(entries) == 0 {
		why := "no key frame was received in it"
		switch {
		case evicted:
			why = fmt.Sprintf("the buffer no longer reaches back to it (history %v)", r.cfg.History)
		case silent:
			why = "the camera sent no usable picture in it"
		}
		return Clip{}, fmt.Errorf("%w: camera %q, alarm %s: %s to %s: %s", ErrNoVideo, r.cfg.Camera, req.AlarmID,
			timeOf(j.start).Format(timeFormat), timeOf(j.end).Format(timeFormat), why)
	}
	m := layout(entries)
	p := entries[0].params
	c := Clip{
		Camera: r.cfg.Camera, AlarmID: req.AlarmID, Event: req.Event,
		Start:    timeOf(entries[0].pts),
		Duration: fromTicks(m.duration),
		Frames:   len(entries),
		Width:    p.width, Height: p.height,
		MissingPre: max(0, fromTicks(entries[0].pts-j.start)),
	}
	if !complete {
		last := entries[len(entries)-1]
		c.MissingPost = max(0, fromTicks(j.end-(last.dts+m.lastDuration)))
		if reason == "" {
			reason = "the stream stopped"
		}
	}
	c.Note = note(c, reason, r.cfg.History)

	saved, err := r.store.save(clipName(r.cfg.Camera, req.AlarmID, req.Event), func(w io.Writer) error {
		return writeMP4(w, entries, m)
	})
	if err != nil {
		return Clip{}, fmt.Errorf("clips %q: alarm %s: %w", r.cfg.Camera, req.AlarmID, err)
	}
	c.Name, c.Path, c.Size, c.SHA256 = saved.name, saved.path, saved.size, saved.sha256

	r.mu.Lock()
	r.n.Clips++
	if !c.Complete() {
		r.n.Incomplete++
	}
	r.mu.Unlock()
	args := []any{"alarm", req.AlarmID, "clip", c.Name, "duration_s", c.Duration.Seconds(), "frames", c.Frames,
		"bytes", c.Size, "sha256", c.SHA256}
	if c.Complete() {
		r.log.Info("clip written", args...)
	} else {
		r.log.Warn("clip written incomplete", append(args, "missing_pre_s", c.MissingPre.Seconds(),
			"missing_post_s", c.MissingPost.Seconds(), "note", c.Note)...)
	}
	return c, nil
}

// note explains an incomplete clip to a person.
func note(c Clip, reason string, history time.Duration) string {
	var parts []string
	if c.MissingPre > 0 {
		parts = append(parts, fmt.Sprintf("starts %.1f s after the requested start: the buffer held no earlier key frame (history %v)",
			c.MissingPre.Seconds(), history))
	}
	if c.MissingPost > 0 {
		parts = append(parts, fmt.Sprintf("ends %.1f s before the requested end: %s", c.MissingPost.Seconds(), reason))
	}
	return strings.Join(parts, "; ")
}
