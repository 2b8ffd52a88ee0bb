package osdp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// errTimeout means no reply came within ReplyTimeout (and retries).
var errTimeout = errors.New("osdp: no reply")

// portError marks a failure of the transport: the port is closed and
// reopened.
type portError struct{ err error }

func (e portError) Error() string { return "osdp: port: " + e.err.Error() }
func (e portError) Unwrap() error { return e.err }

// Run polls the readers until ctx ends, then closes the port and returns
// nil. It is the only goroutine that touches the port. It opens the port,
// and reopens it every ReopenEvery after it fails. Run must not be called
// twice at the same time.
func (p *Panel) Run(ctx context.Context) error {
	defer p.closePort()
	var openErr string
	for ctx.Err() == nil {
		if p.port == nil {
			port, err := p.open()
			if err != nil {
				if err.Error() != openErr {
					p.log.Warn("port unavailable", "err", err)
					openErr = err.Error()
				}
				p.checkOffline(ctx, "port unavailable: "+err.Error())
				sleep(ctx, p.cfg.ReopenEvery)
				continue
			}
			openErr = ""
			p.log.Info("port open")
			p.port = port
			p.dec.Reset()
		}
		start := time.Now()
		for _, d := range p.pds {
			if err := p.service(ctx, d); err != nil {
				var pe portError
				if errors.As(err, &pe) {
					p.portErrs.Add(1)
					p.log.Warn("port failed", "err", err)
					p.closePort()
					break
				}
			}
			if ctx.Err() != nil {
				return nil
			}
		}
		sleep(ctx, p.cfg.PollInterval-time.Since(start))
	}
	return nil
}

func (p *Panel) closePort() {
	if p.port != nil {
		p.port.Close()
		p.port = nil
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

func (p *Panel) emit(ctx context.Context, ev Event) {
	select {
	case p.events <- ev:
	case <-ctx.Done():
	}
}

// checkOffline reports Offline for ready readers silent for OfflineAfter.
func (p *Panel) checkOffline(ctx context.Context, reason string) {
	now := p.cfg.Now()
	for _, d := range p.pds {
		if d.ready && now.Sub(d.lastReply) >= p.cfg.OfflineAfter {
			p.goOffline(ctx, d, reason)
		}
	}
}

func (p *Panel) goOffline(ctx context.Context, d *pd, reason string) {
	wasReady := d.ready
	d.ready, d.sess, d.reset = false, nil, true
	if wasReady {
		p.log.Warn("reader offline", "addr", d.addr, "reason", reason)
		p.emit(ctx, Offline{Addr: int(d.addr), Reason: reason, At: p.cfg.Now()})
	}
}

// service gives one reader its turn: connect it, or send its next queued
// command or a POLL. A panic here (a bug met by a strange frame) costs the
// reader its session, not the process.
func (p *Panel) service(ctx context.Context, d *pd) (err error) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("reader turn panicked", "addr", d.addr, "panic", r)
			d.ready, d.sess, d.reset = false, nil, true
			err = nil
		}
	}()
	if !d.ready {
		return p.connect(ctx, d)
	}
	q, ok := p.dequeue(d)
	if !ok {
		q = queued{code: CmdPOLL}
	}
	reply, err := p.exchange(ctx, d, Frame{Code: q.code, Data: q.data})
	if err != nil {
		return p.failed(ctx, d, err)
	}
	if q.code == CmdKEYSET {
		return p.keySet(ctx, d, q, reply)
	}
	p.handle(ctx, d, reply)
	return nil
}

// failed decides what a failed exchange means for an online reader.
func (p *Panel) failed(ctx context.Context, d *pd, err error) error {
	var pe portError
	switch {
	case errors.As(err, &pe), ctx.Err() != nil:
		return err
	case errors.Is(err, errTimeout):
		if p.cfg.Now().Sub(d.lastReply) >= p.cfg.OfflineAfter {
			p.goOffline(ctx, d, fmt.Sprintf("no reply for %v", p.cfg.OfflineAfter))
		}
	default:
		// Bad MAC, plain text inside the session, NAK of the session: the
		// secure channel is gone. Reconnect (and re-handshake) next turn.
		p.goOffline(ctx, d, "secure channel lost: "+err.Error())
	}
	return nil
}

// exchange sends one command to d and returns its reply, retransmitting
// the identical bytes once when the reply is missing (the PD answers a
// repeated sequence number with its last reply). The reply is checked:
// address, sequence, and inside a session the MAC and decryption.
func (p *Panel) exchange(ctx context.Context, d *pd, f Frame) (Frame, error) {
	f.Addr, f.Seq, f.CRC = d.addr, d.nextSeq(), true
	var b []byte
	var err error
	if d.sess.Active() && f.SCBType == 0 {
		b, err = d.sess.Seal(f)
	} else {
		b, err = Marshal(f)
	}
	if err != nil {
		return Frame{}, err
	}
	if p.cfg.Mark {
		b = append([]byte{Mark}, b...)
	}
	tries := 1
	if d.ready {
		tries = 2
	}
	for range tries {
		p.dec.Reset()
		if _, err := p.port.Write(b); err != nil {
			return Frame{}, portError{err}
		}
		reply, err := p.await(ctx, d, f.Seq)
		if errors.Is(err, errTimeout) {
			p.timeouts.Add(1)
			continue
		}
		if err != nil {
			return Frame{}, err
		}
		d.lastReply = p.cfg.Now()
		if d.sess.Active() && reply.SCBType == 0 {
			return reply, fmt.Errorf("plain-text reply 0x%02X inside the secure channel", reply.Code)
		}
		if d.sess.Active() {
			if err := d.sess.Open(&reply); err != nil {
				if errors.Is(err, ErrMAC) {
					p.badMAC.Add(1)
				}
				return Frame{}, err
			}
		}
		return reply, nil
	}
	return Frame{}, errTimeout
}

// await reads until the reply to seq from d arrives or ReplyTimeout.
func (p *Panel) await(ctx context.Context, d *pd, seq byte) (Frame, error) {
	deadline := time.Now().Add(p.cfg.ReplyTimeout)
	for {
		for {
			f, ok, err := p.dec.Next()
			if err != nil {
				p.log.Debug("rejected bytes", "err", err)
				continue
			}
			if !ok {
				break
			}
			if !f.Reply || f.Addr != d.addr {
				continue // our own echo on a 2-wire bus, or another PD
			}
			if f.Seq != seq {
				p.badSeq.Add(1)
				p.log.Debug("reply out of sequence", "addr", d.addr, "err",
					fmt.Errorf("%w: reply CTRL seq %d, command seq %d", ErrSequence, f.Seq, seq))
				continue
			}
			return f, nil
		}
		if ctx.Err() != nil {
			return Frame{}, ctx.Err()
		}
		if time.Now().After(deadline) {
			return Frame{}, errTimeout
		}
		t0 := time.Now()
		n, err := p.port.Read(p.rbuf)
		if n > 0 {
			p.dec.Write(p.rbuf[:n])
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return Frame{}, portError{err}
		}
		if n == 0 && time.Since(t0) < 5*time.Millisecond {
			// A hung-up tty reads (0, EOF) at once; do not spin.
			sleep(ctx, 5*time.Millisecond)
		}
	}
}
