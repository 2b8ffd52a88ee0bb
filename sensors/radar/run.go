package radar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"
)

// errRunning means Run was called while another Run of the same Radar is
// still going.
var errRunning = errors.New("radar: Run is already running")

// Run drives the radar until ctx ends, then closes the ports and returns
// nil. It opens both ports, sends the CLI commands, then reads the data
// UART and publishes what it sees. When a port fails, a command is refused
// or the radar stays silent for RestartAfter, it publishes Offline (once
// per episode), waits ReconnectBackoff (doubling up to MaxBackoff), and
// starts over: reopen, reconfigure, Online.
//
// publish is called from Run's goroutine only, one event at a time, in
// order. It may block — that is back-pressure: the ports' buffers fill and
// frames are lost at the radar — but it must return once ctx is done: a
// publish that sends on a channel selects on ctx.Done() too (see SendTo).
// Run must not be called twice at the same time.
func (r *Radar) Run(ctx context.Context, publish func(Event)) error {
	if !r.running.CompareAndSwap(false, true) {
		return errRunning
	}
	defer r.running.Store(false)
	offline := false // an Offline was published for the current episode
	backoff := r.cfg.ReconnectBackoff
	var lastErr string
	for {
		wasOnline, err := r.session(ctx, publish)
		if ctx.Err() != nil {
			return nil
		}
		if wasOnline {
			offline, lastErr, backoff = false, "", r.cfg.ReconnectBackoff
		}
		if !offline {
			offline = true
			r.log.Warn("radar offline", "err", err)
			publish(Offline{Err: err, At: r.cfg.Now()})
		} else if err.Error() != lastErr {
			r.log.Warn("radar still offline", "err", err)
		}
		lastErr = err.Error()
		sleep(ctx, backoff)
		backoff = min(2*backoff, r.cfg.MaxBackoff)
	}
}

// SendTo returns a publish function for Run that sends each event on ch
// and gives up when ctx is done.
func SendTo(ctx context.Context, ch chan<- Event) func(Event) {
	return func(ev Event) {
		select {
		case ch <- ev:
		case <-ctx.Done():
		}
	}
}

// session opens the ports, configures the radar and streams until a port
// fails, the radar stays silent, or ctx ends. It returns whether the radar
// came online, and why the session ended. Both port goroutines are stopped
// and awaited before it returns. A panic ends the session, not the process.
func (r *Radar) session(ctx context.Context, publish func(Event)) (online bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.panics.Add(1)
			r.log.Error("radar session panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("radar: panic: %v", p)
		}
	}()
	cli, err := r.cfg.CLI()
	if err != nil {
		r.portErrs.Add(1)
		return false, fmt.Errorf("cli port: %w", err)
	}
	data, err := r.cfg.Data()
	if err != nil {
		cli.Close()
		r.portErrs.Add(1)
		return false, fmt.Errorf("data port: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		// Closing the ports ends pending reads (a tarm/serial read returns
		// within its read timeout); the pumps then see sctx done.
		cancel()
		cli.Close()
		data.Close()
		wg.Wait()
	}()
	cliCh := pump(sctx, &wg, cli)
	if err := r.configure(sctx, cli, cliCh); err != nil {
		return false, err
	}
	r.dec.Reset() // bytes left from the last session belong to no frame now
	dataCh := pump(sctx, &wg, data)
	r.online.Add(1)
	r.log.Info("radar online")
	publish(Online{At: r.cfg.Now()})
	return true, r.stream(sctx, publish, cliCh, dataCh)
}

// chunk is what a pump read: bytes, or the error that ended the port.
type chunk struct {
	b   []byte
	err error
}

// pump reads port until it fails or ctx ends, and sends what it reads on
// the returned channel. io.EOF is tarm/serial's read timeout: no data yet.
func pump(ctx context.Context, wg *sync.WaitGroup, port io.Reader) <-chan chunk {
	ch := make(chan chunk, 8)
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 4096)
		for ctx.Err() == nil {
			t0 := time.Now()
			n, err := port.Read(buf)
			if errors.Is(err, io.EOF) {
				err = nil
			}
			if n > 0 || err != nil {
				select {
				case ch <- chunk{b: bytes.Clone(buf[:n]), err: err}:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
			if n == 0 && time.Since(t0) < time.Millisecond {
				sleep(ctx, 10*time.Millisecond) // a port that has nothing returns at once: do not spin
			}
		}
	}()
	return ch
}

// stream is the online state: frames in, events out, silence watched.
func (r *Radar) stream(ctx context.Context, publish func(Event), cliCh, dataCh <-chan chunk) error {
	tick := time.NewTicker(max(r.cfg.StallAfter/4, 5*time.Millisecond))
	defer tick.Stop()
	s := &streamState{last: r.cfg.Now()}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-cliCh:
			if len(c.b) > 0 {
				r.log.Debug("cli output while streaming", "text", string(c.b))
			}
			if c.err != nil {
				r.portErrs.Add(1)
				return fmt.Errorf("cli port: read: %w", c.err)
			}
		case c := <-dataCh:
			if len(c.b) > 0 {
				r.handle(publish, s, c.b)
			}
			if c.err != nil {
				r.portErrs.Add(1)
				return fmt.Errorf("data port: read: %w", c.err)
			}
		case <-tick.C:
			now := r.cfg.Now()
			quiet := now.Sub(s.last)
			if !s.stalled && quiet >= r.cfg.StallAfter {
				s.stalled = true
				r.stalls.Add(1)
				r.log.Warn("radar stalled", "quiet", quiet)
				publish(Stalled{Since: s.last, At: now})
			}
			if quiet >= r.cfg.RestartAfter {
				return fmt.Errorf("%w for %v", ErrSilent, quiet.Round(time.Millisecond))
			}
		}
	}
}

type streamState struct {
	last    time.Time // last frame, or Online
	stalled bool
}

// handle feeds b to the decoder and publishes what comes out. A panic here
// (a bug met by strange bytes, or in publish) costs the buffered bytes,
// not the session.
func (r *Radar) handle(publish func(Event), s *streamState, b []byte) {
	defer func() {
		if p := recover(); p != nil {
			r.panics.Add(1)
			r.log.Error("frame handling panicked", "panic", p, "stack", string(debug.Stack()))
			r.dec.Reset()
		}
	}()
	r.dec.Write(b)
	for {
		f, ok, err := r.dec.Next()
		now := r.cfg.Now()
		if err != nil {
			if log, suppressed := r.badLog.allow(now, time.Second); log {
				r.log.Warn("bad frame", "err", err, "suppressed", suppressed)
			}
			publish(BadFrame{Err: err, At: now})
			continue
		}
		if !ok {
			return
		}
		if s.stalled {
			s.stalled = false
			r.log.Info("radar resumed", "quiet", now.Sub(s.last))
			publish(Resumed{Since: s.last, At: now})
		}
		s.last = now
		publish(FrameEvent{Frame: f, At: now})
	}
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
