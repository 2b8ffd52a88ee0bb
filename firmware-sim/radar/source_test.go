package radar

import (
	"testing"

	wire "github.com/palisade/palisade/sensors/radar"
)

func take(n uint32) func() Source {
	return func() Source {
		return &Slice{Frames: []wire.Frame{{Header: wire.Header{FrameNumber: n}}, {Header: wire.Header{FrameNumber: n + 1}}}}
	}
}

// A switch plays its scene again when a take ends, and the new scene from
// the next frame on.
func TestSwitchPlaysTakesAndChangesScene(t *testing.T) {
	var s Switch
	if _, ok := s.Next(); ok {
		t.Fatal("a switch with no scene sent a frame")
	}
	s.Play(take(10))
	var got []uint32
	for range 3 {
		f, ok := s.Next()
		if !ok {
			t.Fatal("scene over")
		}
		got = append(got, f.Header.FrameNumber)
	}
	s.Play(take(50))
	f, _ := s.Next()
	got = append(got, f.Header.FrameNumber)
	if want := []uint32{10, 11, 10, 50}; len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("frames %v, want %v", got, want)
	}
}
