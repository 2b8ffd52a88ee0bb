package camera

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Point is a position in normalised picture coordinates: x from 0 (left
// edge) to 1 (right edge), y from 0 (top) to 1 (bottom). Scenes are
// written in these so that one scene renders at any size.
type Point struct{ X, Y float64 }

// key is where a walker's feet are at time T (seconds from scene start).
type key struct {
	T    float64
	X, Y float64
}

// walker is a person-like figure that follows its keys, walking between
// them and standing where two keys share a place. It is absent before the
// first key and after the last.
type walker struct {
	ID     int
	Height float64 // fraction of the picture height
	Shade  uint8   // luma of the figure
	Keys   []key
}

// window is an interval of scene time in seconds.
type window struct{ From, To float64 }

// sceneSpec is a scene as written: what moves where, and the lines and
// zones its ground truth is stated against.
type sceneSpec struct {
	Name        string
	Description string
	Seconds     float64
	Walkers     []walker
	Lines       []Line
	Zones       []Zone
	LightAmp    float64 // peak brightness change (luma steps)
	LightPeriod float64 // seconds per full light cycle
	Noise       int     // per-pixel sensor noise amplitude (luma steps)
	Cover       *window // the lens is covered (faded in and out over coverFade)
	Cut         *window // the camera sends nothing
	// Defocus blurs the picture, as a twisted focus ring or a smeared
	// lens does (ramped in and out over defocusFade).
	Defocus *window
	// Turn points the camera at a wall instead of the yard: it pans
	// away over turnFade and back at the end. Walkers must not be in the
	// scene while the camera turns (the catalogue keeps them apart).
	Turn        *window
	CrowdZone   string // zone whose head count raises "crowd"
	CrowdMin    int
	LoiterZone  string // zone where staying LoiterAfter raises "loiter"
	LoiterAfter float64
}

// coverFade is how long a hand or cloth takes to cover or uncover the lens.
const coverFade = 0.3

// defocusFade is how long the focus takes to go (and come back); turnFade
// how long the camera takes to pan away (and back).
const (
	defocusFade = 1.0
	turnFade    = 1.0
)

// defocusRadius is the blur radius at full defocus, as a fraction of the
// picture width.
const defocusRadius = 0.012

// The yard every scene shares: a perimeter fence at the top, an inner
// fence below it, the sterile zone between them, and the yard below.
var (
	outerFenceY = 0.10
	innerFenceY = 0.28
	sterileZone = Zone{Name: "sterile", Polygon: []Point{{0, outerFenceY}, {1, outerFenceY}, {1, innerFenceY}, {0, innerFenceY}}}
	innerFence  = Line{Name: "inner-fence", A: Point{0, innerFenceY}, B: Point{1, innerFenceY}, Left: "sterile", Right: "yard"}
)

func walk(id int, keys ...key) walker {
	return walker{ID: id, Height: 0.24, Shade: 38, Keys: keys}
}

// specs is the scene catalogue.
var specs = []sceneSpec{
	{
		Name:        "quiet-yard",
		Description: "empty yard; only sensor noise and a slow change of light",
		Seconds:     10,
		Lines:       []Line{innerFence},
		Zones:       []Zone{sterileZone},
		LightAmp:    10, LightPeriod: 8, Noise: 2,
	},
	{
		Name:        "quiet-dawn",
		Description: "empty yard at dawn: the light rises by 40 luma steps over a minute, with heavy sensor noise",
		Seconds:     60,
		Lines:       []Line{innerFence},
		Zones:       []Zone{sterileZone},
		LightAmp:    40, LightPeriod: 240, Noise: 6,
	},
	{
		Name:        "perimeter",
		Description: "a person walks up the yard, crosses the inner fence and stops in the sterile zone",
		Seconds:     10,
		Walkers:     []walker{walk(1, key{0.5, 0.25, 0.98}, key{7, 0.42, 0.21}, key{10, 0.42, 0.21})},
		Lines:       []Line{innerFence},
		Zones:       []Zone{sterileZone},
		LightAmp:    3, LightPeriod: 20, Noise: 2,
	},
	{
		Name:        "tripwire",
		Description: "a person crosses line L west to east, waits, and crosses back",
		Seconds:     12,
		Walkers: []walker{walk(1,
			key{0.5, 0.06, 0.75}, key{5.5, 0.92, 0.70}, key{6.5, 0.92, 0.70}, key{11.5, 0.06, 0.80})},
		Lines:    []Line{{Name: "L", A: Point{0.5, 0.35}, B: Point{0.5, 0.98}, Left: "east", Right: "west"}, innerFence},
		Zones:    []Zone{sterileZone},
		LightAmp: 3, LightPeriod: 20, Noise: 2,
	},
	{
		Name:        "loiter",
		Description: "a person walks to the bench area and lingers there",
		Seconds:     20,
		Walkers:     []walker{loiterer()},
		Lines:       []Line{innerFence},
		Zones: []Zone{sterileZone, {Name: "bench", Polygon: []Point{
			{0.27, 0.42}, {0.43, 0.42}, {0.43, 0.58}, {0.27, 0.58}}}},
		LoiterZone: "bench", LoiterAfter: 10,
		LightAmp: 3, LightPeriod: 20, Noise: 2,
	},
	{
		Name:        "crowd",
		Description: "seven people converge on the assembly area, one a second",
		Seconds:     15,
		Walkers:     crowd(),
		Lines:       []Line{innerFence},
		Zones: []Zone{sterileZone, {Name: "assembly", Polygon: []Point{
			{0.40, 0.46}, {0.70, 0.46}, {0.70, 0.76}, {0.40, 0.76}}}},
		CrowdZone: "assembly", CrowdMin: 5,
		LightAmp: 3, LightPeriod: 20, Noise: 2,
	},
	{
		Name:        "lens-covered",
		Description: "a person crosses the yard; the lens is covered from 3 s to 7 s",
		Seconds:     10,
		Walkers:     []walker{walk(1, key{0.5, 0.05, 0.70}, key{9.5, 0.95, 0.66})},
		Lines:       []Line{innerFence},
		Zones:       []Zone{sterileZone},
		Cover:       &window{3, 7},
		LightAmp:    3, LightPeriod: 20, Noise: 2,
	},
	{
		Name:        "stream-cut",
		Description: "a person crosses the yard; the camera sends nothing from 4 s to 7 s",
		Seconds:     10,
		Walkers:     []walker{walk(1, key{0.5, 0.05, 0.70}, key{9.5, 0.95, 0.66})},
		Lines:       []Line{innerFence},
		Zones:       []Zone{sterileZone},
		Cut:         &window{4, 7},
		LightAmp:    3, LightPeriod: 20, Noise: 2,
	},
	{
		Name:        "breach",
		Description: "one person climbs into the sterile zone and back out, a second stays in it, a third walks along the inner fence without entering",
		Seconds:     20,
		Walkers: []walker{
			walk(1, key{0.5, 0.15, 0.95}, key{5, 0.22, 0.20}, key{7, 0.22, 0.20}, key{12, 0.01, 0.62}),
			walk(2, key{2, 0.98, 0.45}, key{10, 0.75, 0.18}, key{20, 0.75, 0.18}),
			walk(3, key{12.5, 0.98, 0.38}, key{19.5, 0.40, 0.37}),
		},
		Lines:    []Line{innerFence},
		Zones:    []Zone{sterileZone},
		LightAmp: 3, LightPeriod: 20, Noise: 2,
	},
	{
		Name:        "defocus",
		Description: "a person crosses the yard; the camera is defocused from 5 s to 11 s",
		Seconds:     15,
		Walkers:     []walker{walk(1, key{0.5, 0.05, 0.72}, key{14.5, 0.95, 0.64})},
		Lines:       []Line{innerFence},
		Zones:       []Zone{sterileZone},
		Defocus:     &window{5, 11},
		LightAmp:    3, LightPeriod: 20, Noise: 2,
	},
	{
		Name:        "turned-away",
		Description: "a person crosses the yard, the camera is turned to a wall from 6 s to 12 s, another person crosses",
		Seconds:     18,
		Walkers: []walker{
			walk(1, key{0.3, 0.05, 0.70}, key{5.5, 0.95, 0.62}),
			walk(2, key{13.2, 0.95, 0.80}, key{17.8, 0.05, 0.74}),
		},
		Lines:    []Line{innerFence},
		Zones:    []Zone{sterileZone},
		Turn:     &window{6, 12},
		LightAmp: 3, LightPeriod: 20, Noise: 2,
	},
}

// loiterer walks in from the left and circles slowly inside the bench
// area until the end.
func loiterer() walker {
	w := walk(1, key{0.5, 0.02, 0.62}, key{3.5, 0.35, 0.52})
	for i := 1; i <= 16; i++ {
		a := float64(i) * math.Pi / 4
		w.Keys = append(w.Keys, key{3.5 + float64(i), 0.35 + 0.035*math.Sin(a), 0.52 + 0.025*(1-math.Cos(a))})
	}
	return w
}

// crowd sends seven walkers from the edges to places in the assembly area,
// arriving one a second from 3 s.
func crowd() []walker {
	from := []Point{{0.02, 0.55}, {0.98, 0.60}, {0.10, 0.97}, {0.90, 0.95}, {0.02, 0.85}, {0.98, 0.80}, {0.50, 0.99}}
	to := []Point{{0.47, 0.58}, {0.62, 0.60}, {0.52, 0.70}, {0.60, 0.72}, {0.45, 0.68}, {0.66, 0.66}, {0.55, 0.62}}
	var ws []walker
	for i := range from {
		arrive := 3 + float64(i)
		w := walk(i+1, key{0.3, from[i].X, from[i].Y}, key{arrive, to[i].X, to[i].Y}, key{15, to[i].X, to[i].Y})
		w.Shade = uint8(30 + 6*i)
		ws = append(ws, w)
	}
	return ws
}

// Scenes returns the names of the scenes, in catalogue order.
func Scenes() []string {
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	return names
}

func lookup(name string) (*sceneSpec, error) {
	i := slices.IndexFunc(specs, func(s sceneSpec) bool { return s.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("camera sim: no scene %q (have %v)", name, Scenes())
	}
	return &specs[i], nil
}

// position returns where w's feet are at t and whether w is in the scene,
// and the distance walked so far (for the stride).
func (w *walker) position(t float64) (Point, float64, bool) {
	k := w.Keys
	if len(k) == 0 || t < k[0].T || t > k[len(k)-1].T {
		return Point{}, 0, false
	}
	dist := 0.0
	for i := 1; i < len(k); i++ {
		a, b := k[i-1], k[i]
		seg := math.Hypot(b.X-a.X, b.Y-a.Y)
		if t <= b.T {
			f := 0.0
			if b.T > a.T {
				f = (t - a.T) / (b.T - a.T)
			}
			return Point{a.X + f*(b.X-a.X), a.Y + f*(b.Y-a.Y)}, dist + f*seg, true
		}
		dist += seg
	}
	last := k[len(k)-1]
	return Point{last.X, last.Y}, dist, true
}

// frameTime is the scene time of frame i at fps.
func frameTime(i, fps int) time.Duration {
	return time.Duration(i) * time.Second / time.Duration(fps)
}
