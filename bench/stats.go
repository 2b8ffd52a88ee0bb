package bench

import (
	"slices"
	"time"
)

// latency summarises a set of durations.
type latency struct {
	P50, P99, Max time.Duration
	all           []time.Duration // sorted
}

func summarize(ds []time.Duration) latency {
	s := slices.Clone(ds)
	slices.Sort(s)
	return latency{P50: quantile(s, 0.50), P99: quantile(s, 0.99), Max: quantile(s, 1), all: s}
}

// quantile returns the nearest-rank q-quantile of sorted s (0 if empty).
func quantile(s []time.Duration, q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}
