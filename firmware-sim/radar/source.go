package radar

import (
	"sync"

	wire "github.com/palisade/palisade/sensors/radar"
)

// Source produces the frames the radar sends, one per frame period. Next
// returns false when the scene is over; the radar then sends nothing more.
// The device calls Next from one goroutine at a time.
//
// The device numbers the frames it sends; a source frame whose
// Header.FrameNumber is ahead of the device's count keeps it (a scene that
// models lost frames). It fills in Version, Platform,
// TimeCPUCycles and NumDetectedObj when they are zero; TotalPacketLen and
// NumTLVs are computed when the frame is encoded.
type Source interface {
	Next() (wire.Frame, bool)
}

// Slice is a Source that plays Frames in order, then ends the scene, or
// with Loop starts again. It is not safe for concurrent use (the device
// needs none).
type Slice struct {
	Frames []wire.Frame
	Loop   bool
	i      int
}

// Next returns the next frame.
func (s *Slice) Next() (wire.Frame, bool) {
	if s.i >= len(s.Frames) {
		if !s.Loop || len(s.Frames) == 0 {
			return wire.Frame{}, false
		}
		s.i = 0
	}
	f := s.Frames[s.i]
	s.i++
	return f, true
}

// Switch is a Source whose scene can be changed while the radar streams:
// the demo plays each vehicle's occupants in turn. When a scene ends, Next
// asks the scene's maker for another take. Safe for concurrent use.
type Switch struct {
	mu   sync.Mutex
	make func() Source
	cur  Source
}

// Play replaces the scene from the next frame on; make returns a fresh
// take of it each time the previous one ends (nil: the radar goes silent).
func (s *Switch) Play(make func() Source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.make, s.cur = make, nil
}

// Next implements Source.
func (s *Switch) Next() (wire.Frame, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range 2 {
		if s.cur == nil {
			if s.make == nil {
				return wire.Frame{}, false
			}
			s.cur = s.make()
		}
		if f, ok := s.cur.Next(); ok {
			return f, true
		}
		s.cur = nil
	}
	return wire.Frame{}, false
}
