// Command palisade-bench runs Palisade's replication benchmarks and prints
// the tables of docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/palisade/palisade/bench"
)

func main() {
	bench.MaybeRunChild() // a failover child node runs here and exits
	o := bench.DefaultOptions()
	only := flag.String("only", "", `"throughput" or "failover" (default both)`)
	flag.DurationVar(&o.Duration, "duration", o.Duration, "throughput measuring window")
	flag.IntVar(&o.Rounds, "rounds", o.Rounds, "throughput replica/bare pairs")
	flag.IntVar(&o.Kills, "kills", o.Kills, "leader kills per failover column")
	flag.Parse()
	o.Throughput, o.Failover = *only != "failover", *only != "throughput"
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench.Run(ctx, os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "palisade-bench:", err)
		os.Exit(1)
	}
}
