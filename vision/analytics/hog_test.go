package analytics

import (
	"image"
	"math"
	"testing"

	"gocv.io/x/gocv"

	"github.com/palisade/palisade/vision/cvframe"
)

// The detector finds the simulator's walking figures in most frames, and
// the body it reports hugs the figure: the inset constants are measured
// here. It finds nobody in a blank picture — the detector gocv v0.31.0
// builds from freed memory finds someone there.
func TestPeopleDetector(t *testing.T) {
	d, err := newPeopleDetector(DefaultConfig("cam", 640, 360).People)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	grey := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(120, 0, 0, 0), 360, 640, gocv.MatTypeCV8UC1)
	defer grey.Close()
	if got := d.detect(grey, image.Rect(200, 100, 300, 300), 86); len(got) > 0 {
		t.Errorf("people in a blank picture: %v", got)
	}

	sc := decodeScene(t, "tripwire", 640, 360, 0)
	m := gocv.NewMat()
	defer m.Close()
	var n, found int
	var dx0, dy0, dx1, dy1 float64
	for i := 0; i < len(sc.frames); i += 3 {
		for _, b := range sc.clip.Truth.Frames[i].Boxes {
			if b.X < 8 || b.X+b.W > 632 {
				continue // cut by the picture's edge
			}
			if err := cvframe.Into(&m, sc.frames[i]); err != nil {
				t.Fatal(err)
			}
			truth := image.Rect(b.X, b.Y, b.X+b.W, b.Y+b.H)
			n++
			got := d.detect(m, grow(truth, 0.5, 0.2), b.H)
			if len(got) == 0 {
				continue
			}
			found++
			g := got[0]
			dx0 += float64(g.Min.X - truth.Min.X)
			dy0 += float64(g.Min.Y - truth.Min.Y)
			dx1 += float64(g.Max.X - truth.Max.X)
			dy1 += float64(g.Max.Y - truth.Max.Y)
		}
	}
	f := float64(found)
	t.Logf("found %d of %d figures; mean body − truth: left %+.1f top %+.1f right %+.1f bottom %+.1f px",
		found, n, dx0/f, dy0/f, dx1/f, dy1/f)
	if found < n*8/10 {
		t.Errorf("found %d of %d figures, want 80 %%", found, n)
	}
	for _, e := range []float64{dx0 / f, dy0 / f, dx1 / f, dy1 / f} {
		if math.Abs(e) > 3 {
			t.Errorf("the body is off the figure by %.1f px on average", e)
		}
	}
}
