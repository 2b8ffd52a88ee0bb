//go:build matprofile

package analytics

import (
	"bytes"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// TestNoMatLeak counts the gocv Mats alive (gocv's MatProfile, built with
// -tags matprofile): analysing frames must not leave Mats behind per
// frame, and Close must free every one the Analyzer made — snapshots,
// people detection, tamper and motion included.
//
//	go test -tags matprofile -run TestNoMatLeak ./vision/analytics
func TestNoMatLeak(t *testing.T) {
	needFFmpeg(t)
	before := gocv.MatProfile.Count()
	for _, scene := range []string{"breach", "lens-covered"} {
		d := decodeScene(t, scene, 640, 360, 0)
		a, err := New(configFor(d.clip.Truth, 640, 360), testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		at := epoch
		var mid int
		events := 0
		for loop := range 2 {
			for i, f := range d.frames {
				if f == nil || i%3 != 0 {
					continue
				}
				at = at.Add(200 * time.Millisecond)
				r, err := a.ProcessFrame(f, at)
				if err != nil {
					t.Fatal(err)
				}
				events += len(r.Events)
				if loop == 0 && i == 30 {
					mid = gocv.MatProfile.Count()
				}
			}
		}
		a.SignalLost(at.Add(time.Second))
		a.SignalRestored(at.Add(2 * time.Second))
		if n := gocv.MatProfile.Count(); n != mid {
			t.Errorf("%s: %d Mats alive after two loops, %d after 6 s: a Mat leaks per frame", scene, n, mid)
		}
		a.Close()
		t.Logf("%s: %d events; %d Mats alive while analysing, %d before", scene, events, mid, before)
		if events == 0 {
			t.Errorf("%s: no events: the paths that draw snapshots did not run", scene)
		}
	}
	if n := gocv.MatProfile.Count(); n != before {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		t.Errorf("%d Mats alive after Close, %d before:\n%s", n, before, b.String())
	}
}
