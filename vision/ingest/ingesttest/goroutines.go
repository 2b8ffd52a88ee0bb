package ingesttest

import (
	"fmt"
	"runtime"
	"time"
)

// Goroutines polls runtime.NumGoroutine until it is at most max or within
// has passed, and returns an error with every goroutine's stack if it is
// not — a goroutine leak. Call it from TestMain after m.Run with the count
// taken before.
func Goroutines(max int, within time.Duration) error {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > max && time.Now().Before(deadline) {
		<-tick.C
	}
	if n := runtime.NumGoroutine(); n > max {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		return fmt.Errorf("%d goroutines left, at most %d expected: a goroutine leak\n%s", n, max, buf)
	}
	return nil
}
