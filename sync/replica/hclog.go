package replica

import (
	"bytes"
	"log/slog"

	"github.com/hashicorp/go-hclog"
)

// newHCLogger gives hashicorp/raft (which logs through hclog) our slog
// logger: each line it writes becomes one slog record at its level.
func newHCLogger(log *slog.Logger) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:            "raft",
		Level:           hclog.Info,
		Output:          slogWriter{log.With("component", "raft")},
		DisableTime:     true,
		IncludeLocation: false,
	})
}

type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	line := bytes.TrimSpace(p)
	level := slog.LevelInfo
	for _, l := range []struct {
		tag string
		lvl slog.Level
	}{{"[ERROR]", slog.LevelError}, {"[WARN]", slog.LevelWarn}, {"[INFO]", slog.LevelInfo}, {"[DEBUG]", slog.LevelDebug}, {"[TRACE]", slog.LevelDebug}} {
		if i := bytes.Index(line, []byte(l.tag)); i >= 0 {
			level = l.lvl
			line = bytes.TrimSpace(line[i+len(l.tag):])
			break
		}
	}
	w.log.Log(nil, level, string(line)) //nolint:staticcheck // no context at hand in an io.Writer
	return len(p), nil
}
