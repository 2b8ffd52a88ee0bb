package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

const usage = `palisade — the facility node of the Palisade edge appliance

Usage:
  palisade demo  [--data DIR] [--free-ports]       a whole simulated facility on this machine
  palisade node  --config FILE --node-id ID --data DIR [--tls-dir DIR]   one real node
  palisade ca    init --dir DIR --facility ID | issue --dir DIR --role node --name ID [--hosts …]
  palisade audit verify --data DIR [--ca DIR]      check a stopped node's audit log offline
  palisade audit prove  --data DIR --record I | --consistency [--from K --to K] [--json]
  palisade check --config FILE                     validate a facility file
  palisade bench [--only throughput|alarmpath|doorpath|failover] [--trust] [--rounds N]

Run 'palisade COMMAND -h' for the flags of a command.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "demo":
		err = runDemo(ctx, args[1:], stdout, stderr)
	case "node":
		err = runNode(ctx, args[1:], stdout, stderr)
	case "check":
		err = runCheck(args[1:], stdout, stderr)
	case "bench":
		err = runBench(ctx, args[1:], stdout, stderr)
	case "ca":
		err = runCA(args[1:], stdout, stderr)
	case "audit":
		err = runAudit(args[1:], stdout, stderr)
	case "central":
		err = runCentral(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "palisade: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "palisade %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) *slog.Logger {
	log, _ := newLoggerVar(w, level)
	return log
}

// newLoggerVar is newLogger with its level adjustable afterwards.
func newLoggerVar(w io.Writer, level string) (*slog.Logger, *slog.LevelVar) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	v := new(slog.LevelVar)
	v.Set(l)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: v})), v
}
