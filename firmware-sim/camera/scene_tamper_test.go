package camera

import (
	"testing"
	"time"
)

// The scenes added for analytics' accuracy: their events say what they
// are about, when it happens.
func TestAnalyticsSceneEvents(t *testing.T) {
	tr := truthOf(t, "quiet-dawn")
	if len(tr.Events) != 0 {
		t.Errorf("quiet-dawn: events %v, want none", tr.Events)
	}

	tr = truthOf(t, "defocus")
	def, foc := tr.EventsOf(EventDefocused), tr.EventsOf(EventFocused)
	if len(def) != 1 || len(foc) != 1 || !near(def[0].T, 5+defocusFade/2) || !near(foc[0].T, 11+defocusFade/2) {
		t.Errorf("defocus: defocused %+v focused %+v", def, foc)
	}

	tr = truthOf(t, "turned-away")
	turn, back := tr.EventsOf(EventTurned), tr.EventsOf(EventReturned)
	if len(turn) != 1 || len(back) != 1 || !near(turn[0].T, 6+turnFade/2) || !near(back[0].T, 12+turnFade/2) {
		t.Errorf("turned-away: turned %+v returned %+v", turn, back)
	}
	for _, f := range tr.Frames {
		if f.T >= 6*time.Second && f.T < 13*time.Second && len(f.Boxes) > 0 {
			t.Fatalf("turned-away frame %d: a figure while the camera turns", f.Index)
		}
	}

	tr = truthOf(t, "breach")
	var in, cross int
	for _, e := range tr.Events {
		switch {
		case e.Kind == EventEnter && e.Zone == "sterile":
			in++
			if e.ID == 3 {
				t.Errorf("breach: walker 3 entered the sterile zone at %v", e.T)
			}
		case e.Kind == EventCross:
			cross++
		}
	}
	if in != 2 || cross != 3 {
		t.Errorf("breach: %d entries into the sterile zone and %d crossings, want 2 and 3: %+v", in, cross, tr.Events)
	}
}

// A defocused frame has lost its fine detail; a turned camera shows the
// wall, not the yard.
func TestDefocusAndTurnRender(t *testing.T) {
	const w, h = 320, 180
	detail := func(pic []byte) int {
		sum := 0
		for y := range h {
			for x := 1; x < w; x++ {
				sum += abs(int(pic[y*w+x]) - int(pic[y*w+x-1]))
			}
		}
		return sum
	}
	s, err := lookup("defocus")
	if err != nil {
		t.Fatal(err)
	}
	r := newRenderer(s, w, h, 15)
	sharp, blurred := make([]byte, w*h), make([]byte, w*h)
	r.frame(15, sharp)     // 1 s
	r.frame(8*15, blurred) // 8 s
	if ds, db := detail(sharp), detail(blurred); db*3 > ds {
		t.Errorf("defocused detail %d, sharp %d: want under a third", db, ds)
	}

	s, err = lookup("turned-away")
	if err != nil {
		t.Fatal(err)
	}
	r = newRenderer(s, w, h, 15)
	turned := make([]byte, w*h)
	r.frame(9*15, turned)
	differ := 0
	for i, v := range turned {
		if abs(int(v)-int(r.wall[i])) > 12 { // noise and light are 2 and 3
			differ++
		}
	}
	if differ > w*h/100 {
		t.Errorf("turned frame: %d pixels differ from the wall", differ)
	}
}
