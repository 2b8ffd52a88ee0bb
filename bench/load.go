package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Phases of a load run. Workers record only operations that complete while
// the phase is phaseMeasure.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// loadResult is what one measuring window saw.
type loadResult struct {
	Events  int             // events acknowledged in the window
	Ops     int             // operations (proposals or raft.Apply calls) acknowledged
	Errors  int             // operations that failed in the window
	LastErr error           // one of those failures
	Elapsed time.Duration   // length of the window
	Lat     []time.Duration // per-operation latency, unsorted
}

// runLoad runs workers goroutines calling op in a loop: warmup, then a
// measuring window, then it stops them and waits for every one. op returns
// how many events the call acknowledged. mark is called right before the
// window opens (true) and right after it closes (false) — the moment to read
// counters such as the applied index.
func runLoad(ctx context.Context, workers int, warmup, window time.Duration,
	op func(ctx context.Context) (events int, err error), mark func(start bool)) (loadResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var phase atomic.Int32
	type tally struct {
		events, ops, errs int
		lastErr           error
		lat               []time.Duration
	}
	tallies := make([]tally, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tallies[w]
			for phase.Load() != phaseStop {
				start := time.Now()
				n, err := op(ctx)
				d := time.Since(start)
				if phase.Load() != phaseMeasure {
					continue
				}
				if err != nil {
					t.errs++
					t.lastErr = err
					continue
				}
				t.events += n
				t.ops++
				t.lat = append(t.lat, d)
			}
		}()
	}
	sleep := func(d time.Duration) bool { return sleepCtx(ctx, d) }
	var res loadResult
	ok := sleep(warmup)
	if ok {
		mark(true)
		start := time.Now()
		phase.Store(phaseMeasure)
		ok = sleep(window)
		phase.Store(phaseStop)
		res.Elapsed = time.Since(start)
		mark(false)
	}
	phase.Store(phaseStop)
	wg.Wait()
	if !ok {
		return res, ctx.Err()
	}
	for _, t := range tallies {
		res.Events += t.events
		res.Ops += t.ops
		res.Errors += t.errs
		if t.lastErr != nil {
			res.LastErr = t.lastErr
		}
		res.Lat = append(res.Lat, t.lat...)
	}
	return res, nil
}
