package rfid

import (
	"context"
	"errors"
	"io"
	"time"
)

// idleGap is the silence after which an incomplete frame at the head of
// the decoder is abandoned. At 115200 baud the longest frame takes 22 ms;
// tarm/serial reads return after 100 ms of silence anyway.
const idleGap = 50 * time.Millisecond

// loop is the state of the port goroutine (Run's). Nothing in it is
// shared.
type loop struct {
	r      *Reader
	cfg    *Config
	events chan<- Event

	port     io.ReadWriteCloser
	rbuf     []byte
	lastData time.Time // real clock: when bytes last arrived

	ant             int // work antenna as set on the reader; -1 unknown
	misses          int // commands unanswered in a row
	timeoutReported bool
	refused         map[faultKey]ErrorCode // refusal episodes reported
	state           linkState
	lastOffline     string
	bad             throttle // logs of rejected frames
}

// wait is one exchange in progress: what ends it and what it gathered.
type wait struct {
	cmd       byte
	inventory bool // a real-time inventory round on antenna ant
	ant       int
	deadline  time.Time // moved by each tag report, up to limit
	limit     time.Time

	done  bool
	reply Frame    // the reply (not inventory)
	end   RoundEnd // inventory: the end of round
	err   error    // inventory: the reader's error reply
	reads int      // inventory: tag reports in this round
}

// portError marks a failure of the transport: the port is closed and
// reopened.
type portError struct {
	op  string
	err error
}

func (e portError) Error() string { return "rfid: port " + e.op + ": " + e.err.Error() }
func (e portError) Unwrap() error { return e.err }

func (l *loop) send(ctx context.Context, cmd byte, data []byte) error {
	b, err := Marshal(Frame{Addr: l.cfg.Addr, Cmd: cmd, Data: data})
	if err != nil {
		return err
	}
	if _, err := l.port.Write(b); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l.r.portErrs.Add(1)
		return portError{"write", err}
	}
	return nil
}

// await reads and dispatches frames until w is done, w's deadline passes
// (ErrTimeout), ctx ends or the port fails.
func (l *loop) await(ctx context.Context, w *wait) error {
	dec := &l.r.dec
	for {
		for !w.done {
			f, ok, err := dec.Next()
			if err != nil {
				l.badFrame("rejected frame", err)
				continue
			}
			if !ok {
				break
			}
			l.dispatch(ctx, f, w)
		}
		if w.done {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		t0 := time.Now()
		if t0.After(w.deadline) {
			return ErrTimeout
		}
		n, err := l.port.Read(l.rbuf)
		if n > 0 {
			dec.Write(l.rbuf[:n])
			l.lastData = time.Now()
		}
		if err != nil && !errors.Is(err, io.EOF) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			l.r.portErrs.Add(1)
			return portError{"read", err}
		}
		if n == 0 {
			if time.Since(l.lastData) >= idleGap && dec.Idle() {
				continue
			}
			if time.Since(t0) < time.Millisecond {
				// A transport without a read timeout, or a hung-up tty,
				// returns at once: do not spin.
				sleep(ctx, 5*time.Millisecond)
			}
		}
	}
}

// dispatch handles one good frame. Tag reports are published whenever
// they come (a late one is still a genuine read); everything else must
// be the reply w is waiting for, or it is counted as stray. A panic here
// (a bug met by a strange frame) costs that frame only.
func (l *loop) dispatch(ctx context.Context, f Frame, w *wait) {
	defer func() {
		if p := recover(); p != nil {
			l.r.panics.Add(1)
			l.r.log.Error("frame handling panicked", "frame", f.String(), "panic", p)
		}
	}()
	if l.cfg.Addr != AddrPublic && f.Addr != l.cfg.Addr {
		l.r.stray.Add(1)
		return
	}
	if f.Cmd != CmdRealTimeInventory {
		if w.inventory || f.Cmd != w.cmd {
			l.r.stray.Add(1)
			return
		}
		w.done, w.reply = true, f
		return
	}
	rep, err := ParseInventory(f.Data)
	if err != nil {
		l.r.badPayload.Add(1)
		l.badFrame("bad inventory reply", err)
		return
	}
	switch rep.Kind {
	case InventoryTag:
		l.read(ctx, rep.Tag)
		if w.inventory {
			w.reads++
			if w.deadline = time.Now().Add(l.cfg.ReplyTimeout); w.deadline.After(w.limit) {
				w.deadline = w.limit
			}
		}
	case InventoryEnd:
		// An end for another antenna is left over from a round that timed
		// out; taking it would end this round early and shift every
		// round after it.
		if !w.inventory || rep.End.Antenna != w.ant {
			l.r.stray.Add(1)
			return
		}
		w.done, w.end = true, rep.End
	case InventoryError:
		if !w.inventory {
			l.r.stray.Add(1)
			return
		}
		w.done, w.err = true, &ReplyError{Cmd: f.Cmd, Code: rep.Code}
	}
}

func (l *loop) read(ctx context.Context, t TagReport) {
	l.r.reads.Add(1)
	l.emit(ctx, Read{Reader: l.cfg.Name, EPC: EPCFromBytes(t.EPC), Antenna: t.Antenna, RSSI: t.DBm(),
		FreqIndex: t.FreqIndex, At: l.cfg.Now()})
}

func (l *loop) emit(ctx context.Context, ev Event) {
	select {
	case l.events <- ev:
	case <-ctx.Done():
	}
}

// badFrame logs rejected input at most once per throttle period, with the
// number of rejections it stands for.
func (l *loop) badFrame(msg string, err error) {
	if ok, more := l.bad.hit(time.Now()); ok {
		l.r.log.Warn(msg, "err", err, "suppressed", more)
	}
}

// throttle lets one event through per period and counts the rest.
type throttle struct {
	every time.Duration
	next  time.Time
	n     int
}

func (t *throttle) hit(now time.Time) (ok bool, suppressed int) {
	t.n++
	if now.Before(t.next) {
		return false, 0
	}
	t.next = now.Add(t.every)
	suppressed, t.n = t.n-1, 0
	return true, suppressed
}
