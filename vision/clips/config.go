package clips

import (
	"errors"
	"fmt"
	"time"
)

// Config shapes one camera's Recorder.
type Config struct {
	// Camera names the camera in logs and clip names ("yard-north").
	Camera string
	// History is how far back from the newest picture a clip can start
	// (default 30 s). It bounds Pre. The buffer keeps a little more: back
	// to the key frame at or before that time.
	History time.Duration
	// MaxBytes bounds the buffered H.264 (default 32 MiB: 30 s of a
	// camera at 8 Mbit/s). When a camera sends more, the history is
	// shortened a GOP at a time, with a warning.
	MaxBytes int64
	// Pre and Post are the seconds before and after the event a clip
	// covers when the request does not say (defaults 10 s and 10 s).
	Pre, Post time.Duration
	// MaxPost bounds a request's Post (default 2 min): the pictures of a
	// pending clip are held in memory until it is written.
	MaxPost time.Duration
	// Grace is how long past the end of the post-event window Record
	// waits, on Clock, for the pictures that close it (default 5 s). A
	// stream that stopped is written as far as it went, and the Clip
	// says what is missing.
	Grace time.Duration
	// MaxPending bounds the clips waiting for their post-event window at
	// once (default 16).
	MaxPending int
	// Clock is the time source for Grace (nil: the wall clock).
	Clock Clock
}

// DefaultConfig returns the configuration of a camera's Recorder with every
// default filled in.
func DefaultConfig(camera string) Config {
	c := Config{Camera: camera}
	c.defaults()
	return c
}

func (c *Config) defaults() {
	if c.History == 0 {
		c.History = 30 * time.Second
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = 32 << 20
	}
	if c.Pre == 0 {
		c.Pre = 10 * time.Second
	}
	if c.Post == 0 {
		c.Post = 10 * time.Second
	}
	if c.MaxPost == 0 {
		c.MaxPost = 2 * time.Minute
	}
	if c.Grace == 0 {
		c.Grace = 5 * time.Second
	}
	if c.MaxPending == 0 {
		c.MaxPending = 16
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
}

// Validate fills in defaults and checks the configuration. Errors name
// the field.
func (c *Config) Validate() error {
	c.defaults()
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("clips %q: %s: %s", c.Camera, field, fmt.Sprintf(format, args...)))
	}
	if c.Camera == "" {
		bad("camera", "required")
	}
	if c.History < time.Second || c.History > time.Hour {
		bad("history", "%v, want 1s..1h", c.History)
	}
	if c.MaxBytes < 1<<20 {
		bad("max_bytes", "%d, want at least 1 MiB", c.MaxBytes)
	}
	if c.Pre < 0 || c.Pre > c.History {
		bad("pre", "%v, want 0..history (%v)", c.Pre, c.History)
	}
	if c.MaxPost < time.Second || c.MaxPost > time.Hour {
		bad("max_post", "%v, want 1s..1h", c.MaxPost)
	}
	if c.Post < 0 || c.Post > c.MaxPost {
		bad("post", "%v, want 0..max_post (%v)", c.Post, c.MaxPost)
	}
	if c.Grace < 0 {
		bad("grace", "%v is negative", c.Grace)
	}
	if c.MaxPending < 1 || c.MaxPending > 1024 {
		bad("max_pending", "%d, want 1..1024", c.MaxPending)
	}
	return errors.Join(errs...)
}
