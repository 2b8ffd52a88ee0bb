package lifescan

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sort"
	"time"

	"github.com/palisade/palisade/sensors/radar"
)

// report is one vital-signs report, kept for the scan's statistics.
type report struct {
	frame  int // index of the frame among those received
	bin    uint16
	dev    float32
	br, hr float32
	moving bool        // the body at this range moved in this frame
	wave   [15]float32 // breathing waveform, for telling echoes apart
	heart  [15]float32 // heart waveform, likewise
}

// cluster gathers the reports that come from one target: the same track
// id at about the same range bin, or, when the tracker renumbered the
// target, the nearest unclaimed cluster within the bin tolerance.
type cluster struct {
	id      uint16
	idLast  int     // frame index of the last report with id
	bin     float64 // smoothed range bin, follows a body that shifts
	last    int     // frame index of the last report
	rate    float64 // smoothed breathing rate of its plausible reports
	rated   int     // how many reports rate has seen
	heart   float64 // smoothed heart rate of its plausible reports
	hearted int     // how many reports heart has seen
	reports []report
}

// A cluster whose breathing (heart) rate is established (rateKnown
// reports) does not take a report without its own track id whose rate
// differs by more than rateGate (heartGate) per minute: when a multipath
// echo of one being lands on the range of another, the two are told apart
// by their rates.
const (
	rateKnown = 20
	rateGate  = 6.0
	heartGate = 20.0
)

func plausibleBreath(br float32) bool { return br >= 4 && br <= 60 }

func plausibleHeart(hr float32) bool { return hr >= 35 && hr <= 220 }

// smooth folds x into an exponential average that has seen n values.
func smooth(avg *float64, n *int, x float32) {
	if *n == 0 {
		*avg = float64(x)
	}
	*avg += (float64(x) - *avg) * 0.1
	*n++
}

// idGrace is how many frames a cluster keeps its track id while reports
// of other ids fill in for it: a transient that takes the place of a
// target during one dropout must not steal its identity.
const idGrace = 10

// assign distributes one frame's reports over the clusters, appending new
// ones for reports nothing claims. A cluster takes at most one report per
// frame: two reports in the same frame are two targets, however close.
func assign(clusters []*cluster, frame int, vs []radar.VitalSigns, moving []bool, tol int, recent int) []*cluster {
	taken := make(map[*cluster]bool, len(vs))
	done := make([]bool, len(vs))
	claim := func(c *cluster, i int) {
		v := vs[i]
		taken[c], done[i] = true, true
		if v.ID == c.id || frame-c.idLast > idGrace {
			c.id, c.idLast = v.ID, frame
		}
		c.last = frame
		c.bin += (float64(v.RangeBin) - c.bin) * 0.3
		if plausibleBreath(v.BreathRate) {
			smooth(&c.rate, &c.rated, v.BreathRate)
		}
		if plausibleHeart(v.HeartRate) {
			smooth(&c.heart, &c.hearted, v.HeartRate)
		}
		c.reports = append(c.reports, report{frame: frame, bin: v.RangeBin, dev: v.BreathDeviation,
			br: v.BreathRate, hr: v.HeartRate, moving: moving[i], wave: v.BreathWaveform, heart: v.HeartWaveform})
	}
	live := func(c *cluster) bool { return !taken[c] && frame-c.last <= recent }

	// Pass 1: the track id the radar kept, if the range still agrees.
	for i, v := range vs {
		for _, c := range clusters {
			if live(c) && c.id == v.ID && math.Abs(float64(v.RangeBin)-c.bin) <= float64(2*tol) {
				claim(c, i)
				break
			}
		}
	}
	// Pass 2: nearest first, over all remaining report–cluster pairs; the
	// distance counts range bins and, once a cluster's rates are known, half
	// the difference in breathing rate and a tenth of that in heart rate.
	type pair struct {
		i    int
		c    *cluster
		dist float64
	}
	var pairs []pair
	for i, v := range vs {
		if done[i] {
			continue
		}
		for _, c := range clusters {
			d := math.Abs(float64(v.RangeBin) - c.bin)
			if !live(c) || d > float64(tol) {
				continue
			}
			if c.rated >= rateKnown && plausibleBreath(v.BreathRate) {
				dr := math.Abs(float64(v.BreathRate) - c.rate)
				if dr > rateGate {
					continue
				}
				d += dr / 2
			}
			if c.hearted >= rateKnown && plausibleHeart(v.HeartRate) {
				dh := math.Abs(float64(v.HeartRate) - c.heart)
				if dh > heartGate {
					continue
				}
				d += dh / 10
			}
			pairs = append(pairs, pair{i, c, d})
		}
	}
	sort.SliceStable(pairs, func(a, b int) bool { return pairs[a].dist < pairs[b].dist })
	for _, p := range pairs {
		if !done[p.i] && !taken[p.c] {
			claim(p.c, p.i)
		}
	}
	// Pass 3: a new target.
	for i, v := range vs {
		if !done[i] {
			c := &cluster{id: v.ID, idLast: frame, bin: float64(v.RangeBin), last: frame}
			clusters = append(clusters, c)
			claim(c, i)
		}
	}
	return clusters
}

// merge joins clusters that are one target split by a lost track: within
// maxBins of each other (a body shifting on its seat) and seldom reported
// in the same frame (at most mergeOverlap of the smaller one's frames, or
// slack frames: a transient absorbed by a fragment). Two beings side by
// side are reported together in most frames and stay apart. Pairs that
// follow each other in time and range merge first (a lost track picks up
// where it left off), so that a passing echo fragment does not join the
// wrong piece. The input is not modified.
func merge(in []*cluster, maxBins float64, slack int) []*cluster {
	type node struct {
		c      *cluster
		bin    float64
		frames bitset
		root   int
	}
	ns := make([]*node, len(in))
	for i, c := range in {
		cp := *c
		cp.reports = slices.Clone(c.reports)
		n := &node{c: &cp, bin: medianBin(&cp), root: i}
		for _, r := range cp.reports {
			n.frames.set(r.frame)
		}
		ns[i] = n
	}
	find := func(i int) int {
		for ns[i].root != i {
			ns[i].root = ns[ns[i].root].root
			i = ns[i].root
		}
		return i
	}
	// Candidate pairs, closest first: one bin or ten frames of silence
	// between them count the same. Sorting by range keeps this to
	// neighbours, so the cost stays near linear in the number of clusters.
	order := make([]int, len(ns))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ns[a].bin, ns[b].bin) })
	type pair struct {
		a, b int
		d    float64
	}
	var pairs []pair
	for x, a := range order {
		for _, b := range order[x+1:] {
			d := ns[b].bin - ns[a].bin
			if d > maxBins {
				break
			}
			ca, cb := ns[a].c.reports, ns[b].c.reports
			gap := max(cb[0].frame-ca[len(ca)-1].frame, ca[0].frame-cb[len(cb)-1].frame, 0)
			pairs = append(pairs, pair{a, b, d + float64(gap)/10})
		}
	}
	slices.SortStableFunc(pairs, func(p, q pair) int { return cmp.Compare(p.d, q.d) })
	for _, p := range pairs {
		a, b := find(p.a), find(p.b)
		if a == b || math.Abs(ns[a].bin-ns[b].bin) > maxBins {
			continue
		}
		small := min(len(ns[a].c.reports), len(ns[b].c.reports))
		if float64(ns[a].frames.and(ns[b].frames)) > max(mergeOverlap*float64(small), float64(slack)) {
			continue
		}
		na, nb := ns[a], ns[b]
		na.c.reports = mergeByFrame(na.c.reports, nb.c.reports)
		na.bin = medianBin(na.c)
		na.frames.or(nb.frames)
		nb.root = a
	}
	var out []*cluster
	for i, n := range ns {
		if find(i) == i {
			out = append(out, n.c)
		}
	}
	return out
}

// mergeByFrame merges two report lists sorted by frame.
func mergeByFrame(a, b []report) []report {
	out := make([]report, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].frame < a[0].frame {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// mergeOverlap is the largest fraction of co-reported frames that two
// fragments of one target may have. Two independent beings overlap in a
// fraction of the smaller one's frames equal to the larger one's presence,
// which is far above this for any being that could be sustained.
const mergeOverlap = 0.15

// mergeSlack is the co-reported time two fragments may have whatever
// their length: a transient lives a second or two.
const mergeSlack = 2 * time.Second

// bitset is a set of frame indexes.
type bitset []uint64

func (s *bitset) set(i int) {
	for len(*s) <= i/64 {
		*s = append(*s, 0)
	}
	(*s)[i/64] |= 1 << (i % 64)
}

func (s bitset) and(t bitset) int {
	n := 0
	for i := range min(len(s), len(t)) {
		n += bits.OnesCount64(s[i] & t[i])
	}
	return n
}

func (s *bitset) or(t bitset) {
	for len(*s) < len(t) {
		*s = append(*s, 0)
	}
	for i, w := range t {
		(*s)[i] |= w
	}
}

func medianBin(c *cluster) float64 {
	bins := make([]float64, len(c.reports))
	for i, r := range c.reports {
		bins[i] = float64(r.bin)
	}
	return median(bins)
}

// median returns the median of xs (NaN when empty); xs is reordered.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
