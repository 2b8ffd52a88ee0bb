package watch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/clips"
	"github.com/palisade/palisade/vision/h264dec"
	"github.com/palisade/palisade/vision/ingest"
)

// Config shapes one camera's Watcher.
type Config struct {
	// Camera is the camera's device id; it names it in the ingest, the
	// analytics, the clips and the logs.
	Camera string
	// Ingest is how to reach the camera (URL, credentials, transport).
	// Name, OnAccessUnit, the format (BGR: snapshots in colour) and,
	// unless set, the analysis size (640 wide) are filled in.
	Ingest ingest.Config
	// Analytics is the camera's geometry and tuning; Camera is filled in.
	Analytics analytics.Config
	// Clips shapes the evidence buffer; Camera is filled in. Its Pre and
	// Post (default 10 s each) are the clip of an alarm.
	Clips clips.Config
	// Rate is how many frames a second are analysed (default 5). The
	// analysis takes the latest picture each time; pictures in between
	// are dropped, never queued.
	Rate float64
	// RepeatClip: a repeat of an alarm that already has a clip (the
	// alarm core folds repeats into the open alarm) gets another clip
	// only this long after the last one began (default 5 min), so a
	// person pacing in front of a tripwire does not fill the disk with
	// clips an open alarm pins.
	RepeatClip time.Duration
	// SnapshotDir is where event snapshots are saved (required).
	SnapshotDir string
	// SnapshotEvery is the least time between two encodings of the live
	// picture for Snapshot (default 1 s). The live picture is encoded only
	// while someone asks for it.
	SnapshotEvery time.Duration
	// Now is the clock of the status and the snapshots (nil: time.Now).
	Now func() time.Time
}

// Sink receives what a Watcher finds. Raise and Clip are required.
type Sink struct {
	// Raise raises an alarm and returns its id. It is called on the
	// Watcher's alarm goroutine, in the order the events happened; it may
	// take a while (a commit through raft) without delaying analysis.
	// Events still queued when Run's context ends are raised with that
	// ended context: Raise keeps them without waiting.
	Raise func(ctx context.Context, a Alarm) (id string, err error)
	// Clip receives the evidence clip recorded for a raised alarm, once
	// its file is written, on the clip's own goroutine — also when Run's
	// context has ended meanwhile: a clip cut short by the shutdown is
	// written with what the buffer held. ctx is not cancelled by the
	// Watcher's end, so Clip bounds its own time; Run waits for it.
	Clip func(ctx context.Context, alarmID string, c clips.Clip)
	// Counts, if set, receives the people counted per zone whenever a
	// count changes, on the analysis goroutine: it must not block.
	Counts func(counts []analytics.ZoneCount)
}

// Alarm is an alarm-worthy event of the camera.
type Alarm struct {
	analytics.Event
	// Snapshot is the file name, under SnapshotDir, of the event's JPEG
	// snapshot ("" when there is none: no picture before a signal loss,
	// or the disk refused it).
	Snapshot string
	// Reason is, for a signal loss, ingest's explanation in words ("The
	// camera at … refused the connection …").
	Reason string
}

func (c *Config) defaults() {
	c.Ingest.Name = c.Camera
	if c.Ingest.Width == 0 && c.Ingest.Height == 0 {
		c.Ingest.Width = 640
	}
	c.Ingest.Format = h264dec.BGR
	c.Analytics.Camera = c.Camera
	c.Clips.Camera = c.Camera
	if c.Rate == 0 {
		c.Rate = 5
	}
	if c.RepeatClip == 0 {
		c.RepeatClip = 5 * time.Minute
	}
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate fills in defaults and checks the configuration, its parts
// included. Errors name the field.
func (c *Config) Validate() error {
	c.defaults()
	var errs []error
	if c.Camera == "" {
		errs = append(errs, errors.New("watch: camera: required"))
	}
	if c.Rate < 0.2 || c.Rate > 30 {
		errs = append(errs, fmt.Errorf("watch %q: rate: %v frames a second, want 0.2 to 30", c.Camera, c.Rate))
	}
	if c.RepeatClip < 0 {
		errs = append(errs, fmt.Errorf("watch %q: repeat_clip: %v is negative", c.Camera, c.RepeatClip))
	}
	if c.SnapshotDir == "" {
		errs = append(errs, fmt.Errorf("watch %q: snapshot_dir: required", c.Camera))
	}
	for _, err := range []error{c.Ingest.Validate(), c.Analytics.Validate(), c.Clips.Validate()} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
