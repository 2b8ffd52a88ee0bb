package radar

import "time"

// Event is something the driver reports: FrameEvent, Online, Offline,
// Stalled, Resumed, BadFrame.
type Event interface{ radarEvent() }

// FrameEvent is one good frame from the data UART.
type FrameEvent struct {
	Frame Frame
	At    time.Time // when it was decoded
}

// Online means both ports are open, every CLI command was answered with
// "Done" and the data UART is being read. Frames follow.
type Online struct {
	At time.Time
}

// Offline means the radar cannot be used: a port could not be opened or
// went away, a command was refused or not answered, or no frame came for
// Config.RestartAfter. Err says which (errors.Is ErrHangup, ErrCommand,
// ErrNoReply, ErrSilent, or an open error). It is reported once per
// episode, also when the radar never came online; the driver keeps
// retrying.
type Offline struct {
	Err error
	At  time.Time
}

// Stalled means the ports are open but no frame came for
// Config.StallAfter: the radar went silent mid-scan. Since is when the
// last frame (or Online) was seen.
type Stalled struct {
	Since time.Time
	At    time.Time
}

// Resumed means frames came again after Stalled; it precedes the frame.
type Resumed struct {
	Since time.Time // start of the gap: the last frame before it
	At    time.Time
}

// BadFrame reports bytes the framing layer rejected: a length out of range
// or lying, or TLVs that do not add up (errors.Is ErrLength or ErrTLV).
// Plain garbage between frames is only counted (Stats.Skipped).
type BadFrame struct {
	Err error
	At  time.Time
}

func (FrameEvent) radarEvent() {}
func (Online) radarEvent()     {}
func (Offline) radarEvent()    {}
func (Stalled) radarEvent()    {}
func (Resumed) radarEvent()    {}
func (BadFrame) radarEvent()   {}
