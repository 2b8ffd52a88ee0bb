package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/palisade/palisade/bench"
)

func main() {
	bench.MaybeRunChild() // a failover benchmark child node runs here and exits
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
