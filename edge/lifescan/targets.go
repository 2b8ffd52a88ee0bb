package lifescan

import (
	"math"
	"slices"
)

// targets turns the scan's clusters into signatures and unexplained
// targets, and counts them into r.
//
//  1. Fragments of one target are merged (see merge).
//  2. Each merged cluster reported in at least MinPresence of the frames
//     is sustained. A sustained cluster with a stable breathing rate, a
//     stable heartbeat or body movement is a signature; without any, it is
//     an unexplained target.
//  3. A signature or target that is a multipath echo of nearer signatures
//     is dropped (see echo).
//  4. Clusters at about the same range that the tracker mixed up (two
//     beings at one range, or a being and an echo, trading reports) can
//     each fall short of MinPresence while the range as a whole holds
//     more beings than sustained clusters: the difference counts as
//     unexplained targets.
func (c Config) targets(clusters []*cluster, frames int, r *Result) {
	merged := merge(clusters, c.MaxShift/c.RangeResolution, int(mergeSlack/c.Period))
	type target struct {
		s         Signature
		cl        *cluster
		sustained bool
		alive     bool
	}
	ts := make([]target, len(merged))
	for i, cl := range merged {
		s, alive := c.evaluate(cl, frames)
		ts[i] = target{s: s, cl: cl, sustained: s.Presence >= c.MinPresence, alive: alive}
	}
	slices.SortStableFunc(ts, func(a, b target) int { return a.s.RangeBin - b.s.RangeBin })

	var sources []source // signatures kept, nearest first
	for _, t := range ts {
		if !t.sustained {
			if t.s.Presence >= 0.1 {
				r.Rejected++
			}
			continue
		}
		switch {
		case c.echo(t.cl, t.s, sources):
			r.Echoes++
		case t.alive:
			sources = append(sources, newSource(t.s, t.cl))
			r.Signatures = append(r.Signatures, t.s)
			if t.s.Kind == Animal {
				r.Animals++
			} else {
				r.Humans++
			}
		default:
			r.Unexplained = append(r.Unexplained, t.s)
		}
	}

	// Step 4: groups of clusters within the bin tolerance of each other.
	for lo := 0; lo < len(ts); {
		hi := lo + 1
		for hi < len(ts) && ts[hi].s.RangeBin-ts[hi-1].s.RangeBin <= c.BinTolerance {
			hi++
		}
		group := ts[lo:hi]
		lo = hi
		if len(group) < 2 {
			continue
		}
		count := make([]int, frames)
		sustained := 0
		for _, t := range group {
			for _, rp := range t.cl.reports {
				count[rp.frame]++
			}
			if t.sustained {
				sustained++
			}
		}
		for k := sustained + 1; ; k++ {
			n := 0
			for _, x := range count {
				if x >= k {
					n++
				}
			}
			p := float64(n) / float64(max(frames, 1))
			if p < c.MinPresence {
				break
			}
			bins := make([]float64, len(group))
			for i, t := range group {
				bins[i] = float64(t.s.RangeBin)
			}
			r.Unexplained = append(r.Unexplained, Signature{RangeBin: int(math.Round(median(bins))), Presence: p, Confidence: 0.5})
		}
	}
}
