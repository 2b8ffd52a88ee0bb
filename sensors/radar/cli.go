package radar

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// maxLine bounds a CLI line the driver buffers; longer ones are cut.
const maxLine = 1024

// configure sends every command and waits for its "Done". It stops at the
// first command refused ("Error …") or not answered within ReplyTimeout.
func (r *Radar) configure(ctx context.Context, cli io.Writer, replies <-chan chunk) error {
	var in lineReader
	for i, raw := range r.cfg.Commands {
		cmd, ok := command(raw)
		if !ok {
			continue
		}
		if _, err := io.WriteString(cli, cmd+"\n"); err != nil {
			r.portErrs.Add(1)
			return fmt.Errorf("cli port: write commands[%d] %q: %w", i, cmd, err)
		}
		if err := r.await(ctx, i, cmd, &in, replies); err != nil {
			return err
		}
	}
	return nil
}

// await reads CLI lines until one says Done or Error. The echo of the
// command, the prompt and other chatter ("Ignored: Sensor is already
// stopped", "'x' is not recognized as a CLI command") are skipped but kept
// for the error message.
func (r *Radar) await(ctx context.Context, i int, cmd string, in *lineReader, replies <-chan chunk) error {
	t := time.NewTimer(r.cfg.ReplyTimeout)
	defer t.Stop()
	var said []string
	for {
		for line, ok := in.next(); ok; line, ok = in.next() {
			switch {
			case line == cmd:
			case strings.Contains(line, "Done"):
				return nil
			case strings.HasPrefix(line, "Error"):
				r.cmdErrs.Add(1)
				return fmt.Errorf("%w: commands[%d] %q: radar answered %q", ErrCommand, i, cmd, strings.Join(append(said, line), " / "))
			default:
				r.log.Debug("cli says", "command", cmd, "line", line)
				if len(said) < 4 {
					said = append(said, line)
				}
			}
		}
		select {
		case c := <-replies:
			in.write(c.b)
			if c.err != nil {
				r.portErrs.Add(1)
				return fmt.Errorf("cli port: read: %w", c.err)
			}
		case <-t.C:
			r.cmdErrs.Add(1)
			heard := ""
			if len(said) > 0 {
				heard = fmt.Sprintf(" (heard %q)", strings.Join(said, " / "))
			}
			return fmt.Errorf("%w: commands[%d] %q: no Done or Error within %v%s", ErrNoReply, i, cmd, r.cfg.ReplyTimeout, heard)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// lineReader splits CLI output into lines at CR or LF. A line is trimmed
// and loses leading prompts ("mmwDemo:/>"): the radar prints the prompt,
// then echoes what it is sent on the same line.
type lineReader struct {
	partial []byte
	done    []string
}

func (l *lineReader) write(b []byte) {
	for _, c := range b {
		if c != '\r' && c != '\n' {
			if len(l.partial) < maxLine {
				l.partial = append(l.partial, c)
			}
			continue
		}
		if line := stripPrompt(string(l.partial)); line != "" {
			l.done = append(l.done, line)
		}
		l.partial = l.partial[:0]
	}
}

// next returns the oldest complete line not yet returned.
func (l *lineReader) next() (string, bool) {
	if len(l.done) == 0 {
		return "", false
	}
	line := l.done[0]
	l.done = l.done[1:]
	return line, true
}

func stripPrompt(s string) string {
	for {
		s = strings.TrimSpace(s)
		i := strings.Index(s, ":/>")
		if i < 0 || strings.ContainsAny(s[:i], " \t") {
			return s
		}
		s = s[i+3:]
	}
}
