package radar

import wire "github.com/palisade/palisade/sensors/radar"

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
