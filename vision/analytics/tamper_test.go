package analytics

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// texture is a 320×180 gray picture with structure at several scales,
// like a yard seen from above: blotches, fine grain, a few lines.
func texture(t *testing.T, seed uint64) gocv.Mat {
	t.Helper()
	rnd := rand.New(rand.NewPCG(seed, 7))
	pix := make([]byte, 320*180)
	blotch := make([]int, 41*23)
	for i := range blotch {
		blotch[i] = rnd.IntN(40) - 20
	}
	for y := range 180 {
		for x := range 320 {
			v := 120 + blotch[(y/8)*41+x/8] + rnd.IntN(9) - 4
			if (x+3*y)%97 < 3 {
				v = 60
			}
			pix[y*320+x] = byte(v)
		}
	}
	m, err := gocv.NewMatFromBytes(180, 320, gocv.MatTypeCV8UC1, pix)
	if err != nil {
		t.Fatal(err)
	}
	out := m.Clone() // own the pixels (NewMatFromBytes borrows them)
	m.Close()
	return out
}

// A camera's view goes through the tamper conditions one after another;
// each is reported Hold after it starts and cleared Hold after it ends,
// and what is not tampering — light, a person close by — is not.
func TestTamperConditions(t *testing.T) {
	cfg := DefaultConfig("cam", 320, 180).Tamper
	w := newTamperWatch(cfg)
	defer w.close()

	scene := texture(t, 1)
	defer scene.Close()
	other := texture(t, 2)
	defer other.Close()
	covered := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(14, 0, 0, 0), 180, 320, gocv.MatTypeCV8UC1)
	defer covered.Close()
	blurred := gocv.NewMat()
	defer blurred.Close()
	gocv.GaussianBlur(scene, &blurred, image.Pt(0, 0), 4, 4, gocv.BorderDefault)
	brighter := gocv.NewMat()
	defer brighter.Close()
	scene.ConvertToWithParams(&brighter, gocv.MatTypeCV8U, 0.7, 60) // exposure and gain change
	person := scene.Clone()
	defer person.Close()
	gocv.Rectangle(&person, image.Rect(100, 40, 150, 170), color.RGBA{R: 30, G: 30, B: 30}, -1)

	type change struct {
		at   time.Duration
		kind TamperKind
		gone bool
	}
	var got []change
	at := time.Duration(0)
	show := func(m gocv.Mat, until time.Duration) {
		for ; at < until; at += 200 * time.Millisecond {
			_, cs := w.observe(m, epoch.Add(at))
			for _, c := range cs {
				got = append(got, change{at, c.kind, c.cleared})
			}
		}
	}
	show(scene, 10*time.Second)
	show(covered, 15*time.Second)
	show(scene, 20*time.Second)
	show(blurred, 25*time.Second)
	show(scene, 30*time.Second)
	show(other, 35*time.Second)
	show(scene, 40*time.Second)
	show(brighter, 45*time.Second)
	show(person, 50*time.Second)
	show(scene, 55*time.Second)

	hold := cfg.Hold
	want := []change{
		{10*time.Second + hold, Covered, false}, {15*time.Second + hold, Covered, true},
		{20*time.Second + hold, Defocused, false}, {25*time.Second + hold, Defocused, true},
		{30*time.Second + hold, TurnedAway, false}, {35*time.Second + hold, TurnedAway, true},
	}
	if len(got) != len(want) {
		t.Fatalf("changes %+v, want %+v", got, want)
	}
	for i := range want {
		// Tamper is measured every measureEvery, so a change may come
		// up to that much after Hold.
		if got[i].kind != want[i].kind || got[i].gone != want[i].gone || got[i].at < want[i].at || got[i].at > want[i].at+measureEvery {
			t.Errorf("change %d: %+v, want %+v (within %v)", i, got[i], want[i], measureEvery)
		}
	}
}

// Nothing is reported while the view is being learned, however it looks.
func TestTamperLearnsFirst(t *testing.T) {
	w := newTamperWatch(DefaultConfig("cam", 320, 180).Tamper)
	defer w.close()
	covered := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(14, 0, 0, 0), 180, 320, gocv.MatTypeCV8UC1)
	defer covered.Close()
	for at := time.Duration(0); at < 30*time.Second; at += 200 * time.Millisecond {
		if k, cs := w.observe(covered, epoch.Add(at)); k != "" || len(cs) > 0 {
			t.Fatalf("at %v: %q %v while nothing was learned", at, k, cs)
		}
	}
	if w.learned {
		t.Error("learned a blank picture as the healthy view")
	}
}
