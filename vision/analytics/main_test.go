package analytics

import (
	"flag"
	"log/slog"
	"strings"
	"testing"
)

var logAnalytics = flag.Bool("analytics.log", false, "write the analytics' own log lines to the test log")

// testLogger writes to the test log with -analytics.log (and -v).
func testLogger(t testing.TB) *slog.Logger {
	if !*logAnalytics {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
