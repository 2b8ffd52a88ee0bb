package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/palisade/palisade/bench"
)

// runBench prints the benchmark tables of docs/performance.md. The failover
// benchmark re-executes this binary as its child nodes (see main).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := bench.DefaultOptions()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("only", "", `"throughput", "alarmpath", "doorpath" or "failover" (default: all four)`)
	fs.DurationVar(&o.Duration, "duration", o.Duration, "throughput measuring window")
	fs.IntVar(&o.Rounds, "rounds", o.Rounds, "throughput replica/bare pairs (the verdict takes the median)")
	fs.IntVar(&o.Kills, "kills", o.Kills, "leader kills per failover column")
	fs.IntVar(&o.BackgroundRate, "background", o.BackgroundRate, "alarm path: background events/s")
	fs.IntVar(&o.AlarmSamples, "samples", o.AlarmSamples, "alarm path: probes per row")
	fs.BoolVar(&o.MutualTLS, "tls", false, "throughput: the replica's cluster port speaks mutual TLS (bare raft stays plain)")
	fs.BoolVar(&o.Trust, "trust", false, "also measure, side by side, the replica and the alarm path with mutual TLS and the audit tree on")
	fs.StringVar(&o.Dir, "dir", "", "where the nodes' data directories go (default: the system temp dir)")
	cpu := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	level := fs.String("log-level", "", "print the nodes' log at this level (debug, info, warn, error) on stderr; default: silent")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *level != "" {
		o.Logger = newLogger(stderr, *level)
	}
	switch *only {
	case "":
	case "throughput", "alarmpath", "doorpath", "failover":
		o.Throughput, o.AlarmPath, o.DoorPath, o.Failover = *only == "throughput", *only == "alarmpath", *only == "doorpath", *only == "failover"
	default:
		return fmt.Errorf("--only %q: want throughput, alarmpath, doorpath or failover", *only)
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return bench.Run(ctx, stdout, o)
}
