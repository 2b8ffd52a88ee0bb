package rfid

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// eventQueue is how many events may wait for a slow publish before the
// port loop blocks (and the serial line's own buffer starts to fill).
const eventQueue = 256

// Run drives the reader until ctx ends, then closes the port and returns
// nil. It opens the port, asks the firmware version, sets the output
// power, reports Online, and cycles the antennas, one real-time inventory
// round each, reporting Read and Round events. A port that fails or a
// reader that stops answering is reported Offline (once per episode) and
// reopened with backoff.
//
// publish is called from one goroutine that Run owns, in order; Run
// returns only after publish has returned for the last time. Events
// still queued when ctx ends are dropped. A panic in publish is logged
// and recovered. Run must not be called twice at the same time.
func (r *Reader) Run(ctx context.Context, publish func(Event)) error {
	if publish == nil {
		return fmt.Errorf("%w: publish is nil", ErrConfig)
	}
	if !r.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer r.running.Store(false)

	ctx, cancel := context.WithCancel(ctx)
	events := make(chan Event, eventQueue)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.deliver(ctx, events, publish)
	}()
	// The port is closed by the time the session loop returns; then the
	// deliverer is stopped and awaited.
	defer func() {
		cancel()
		wg.Wait()
	}()

	l := &loop{r: r, cfg: &r.cfg, events: events, rbuf: make([]byte, 512), bad: throttle{every: 10 * time.Second}}
	backoff := r.cfg.Backoff
	for ctx.Err() == nil {
		err := l.session(ctx)
		if ctx.Err() != nil {
			break
		}
		if l.state == stateOnline {
			backoff = r.cfg.Backoff
		}
		l.offline(ctx, err)
		sleep(ctx, backoff)
		backoff = min(2*backoff, r.cfg.MaxBackoff)
	}
	return nil
}

func (r *Reader) deliver(ctx context.Context, events <-chan Event, publish func(Event)) {
	call := func(ev Event) {
		defer func() {
			if p := recover(); p != nil {
				r.panics.Add(1)
				r.log.Error("publish panicked", "event", fmt.Sprintf("%T", ev), "panic", p)
			}
		}()
		publish(ev)
	}
	for {
		select {
		case ev := <-events:
			call(ev)
		case <-ctx.Done():
			return
		}
	}
}

// session runs one connection: open, bring up, cycle antennas until a
// fault. A panic anywhere in it ends the connection, not the process.
func (l *loop) session(ctx context.Context) (err error) {
	port, err := l.cfg.Open()
	if err != nil {
		l.r.portErrs.Add(1)
		return portError{"open", err}
	}
	// Closing the port on cancellation unblocks a transport whose Read
	// has no timeout; stop() tells whether that already happened.
	stop := context.AfterFunc(ctx, func() { port.Close() })
	defer func() {
		if stop() {
			port.Close()
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			l.r.panics.Add(1)
			l.r.log.Error("reader session panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("rfid: session panicked: %v", p)
		}
	}()
	l.port, l.ant, l.misses, l.timeoutReported = port, -1, 0, false
	l.refused = map[faultKey]ErrorCode{}
	l.r.dec.Reset()
	l.lastData = time.Now()

	v, power, err := l.bringUp(ctx)
	if err != nil {
		return err
	}
	l.online(ctx, v, power)
	for {
		for _, ant := range l.cfg.Antennas {
			if err := l.antennaTurn(ctx, ant); err != nil {
				return err
			}
		}
	}
}

// bringUp asks the firmware version and sets the output power. A refused
// power setting is reported (ReaderError) but does not stop the reader:
// reads at the wrong power beat no reads; power is then 0.
func (l *loop) bringUp(ctx context.Context) (Version, int, error) {
	f, err := l.command(ctx, CmdGetFirmwareVersion, nil)
	if err != nil {
		return Version{}, 0, err
	}
	v, err := ParseVersion(f.Data)
	if err != nil {
		l.r.badPayload.Add(1)
		return Version{}, 0, err
	}
	if f, err = l.command(ctx, CmdSetOutputPower, []byte{byte(l.cfg.Power)}); err != nil {
		return v, 0, err
	}
	if err := ParseStatus(CmdSetOutputPower, f.Data); err != nil {
		return v, 0, l.refusal(ctx, CmdSetOutputPower, -1, err)
	}
	return v, l.cfg.Power, nil
}

// antennaTurn selects ant (unless it is already the work antenna) and runs
// one inventory round on it. It returns an error only when the
// connection must be dropped.
func (l *loop) antennaTurn(ctx context.Context, ant int) error {
	if l.ant != ant {
		f, err := l.exchange(ctx, CmdSetWorkAntenna, []byte{byte(ant)})
		if errors.Is(err, ErrTimeout) {
			l.ant = -1
			return l.missed(ctx, CmdSetWorkAntenna, ant)
		}
		if err != nil {
			return err
		}
		if err := ParseStatus(CmdSetWorkAntenna, f.Data); err != nil {
			l.ant = -1
			return l.refusal(ctx, CmdSetWorkAntenna, ant, err)
		}
		l.succeeded(CmdSetWorkAntenna, ant)
		l.ant = ant
	}
	return l.inventory(ctx, ant)
}

// inventory runs one real-time inventory round on the work antenna ant.
// Tag reports are published as they come; the end-of-round closes it. A
// round whose end never comes after tag reports did (the end frame was
// lost on the line) counts as a timeout but not as a silent reader.
func (l *loop) inventory(ctx context.Context, ant int) error {
	if err := l.send(ctx, CmdRealTimeInventory, []byte{byte(l.cfg.Repeat)}); err != nil {
		return err
	}
	start := time.Now()
	w := &wait{cmd: CmdRealTimeInventory, inventory: true, ant: ant,
		deadline: start.Add(l.cfg.ReplyTimeout), limit: start.Add(10 * l.cfg.ReplyTimeout)}
	err := l.await(ctx, w)
	switch {
	case errors.Is(err, ErrTimeout) && w.reads > 0:
		l.r.timeouts.Add(1)
		l.answered()
		l.r.log.Debug("inventory round without an end", "antenna", ant, "reads", w.reads)
		return nil
	case errors.Is(err, ErrTimeout):
		return l.missed(ctx, CmdRealTimeInventory, ant)
	case err != nil:
		return err
	}
	l.answered()
	if w.err != nil {
		return l.refusal(ctx, CmdRealTimeInventory, ant, w.err)
	}
	l.succeeded(CmdRealTimeInventory, ant)
	l.r.rounds.Add(1)
	l.emit(ctx, Round{Reader: l.cfg.Name, Antenna: ant, Reads: w.reads, ReadRate: int(w.end.ReadRate),
		Total: int(w.end.Total), At: l.cfg.Now()})
	return nil
}

// command is exchange, sent again while it goes unanswered, until
// MaxMisses commands in a row have gone unanswered.
func (l *loop) command(ctx context.Context, cmd byte, data []byte) (Frame, error) {
	for {
		f, err := l.exchange(ctx, cmd, data)
		if !errors.Is(err, ErrTimeout) {
			return f, err
		}
		if err := l.missed(ctx, cmd, -1); err != nil {
			return Frame{}, err
		}
	}
}

// exchange sends one command and waits for the reply carrying its code.
func (l *loop) exchange(ctx context.Context, cmd byte, data []byte) (Frame, error) {
	if err := l.send(ctx, cmd, data); err != nil {
		return Frame{}, err
	}
	w := &wait{cmd: cmd, deadline: time.Now().Add(l.cfg.ReplyTimeout)}
	if err := l.await(ctx, w); err != nil {
		return Frame{}, err
	}
	l.answered()
	return w.reply, nil
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
