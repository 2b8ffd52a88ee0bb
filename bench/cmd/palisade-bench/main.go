// Command palisade-bench runs Palisade's replication benchmarks and prints
// the tables of docs/performance.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/palisade/palisade/bench"
)

func main() {
	bench.MaybeRunChild()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench.Run(ctx, os.Stdout, bench.DefaultOptions()); err != nil {
		fmt.Fprintln(os.Stderr, "palisade-bench:", err)
		os.Exit(1)
	}
}
