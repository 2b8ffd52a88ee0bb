package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/palisade/palisade/bench"
	"github.com/palisade/palisade/vision/analytics"
)

func main() {
	bench.MaybeRunChild() // a failover benchmark child node runs here and exits
	// Cameras are analysed in parallel already, one goroutine each:
	// OpenCV's own thread pool only adds spinning workers (see
	// vision/analytics.SetOpenCVThreads).
	analytics.SetOpenCVThreads(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
