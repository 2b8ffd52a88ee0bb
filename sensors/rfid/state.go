package rfid

import (
	"context"
	"errors"
	"fmt"
)

// linkState is what was last reported about the reader.
type linkState int

const (
	stateUnknown linkState = iota // nothing reported yet
	stateOnline
	stateOffline
)

// faultKey identifies a refusal episode: a command on an antenna.
type faultKey struct {
	cmd byte
	ant int
}

func (l *loop) online(ctx context.Context, v Version, power int) {
	l.state, l.lastOffline = stateOnline, ""
	l.r.connects.Add(1)
	l.r.log.Info("reader online", "firmware", v.String(), "power_dbm", power, "antennas", l.cfg.Antennas)
	l.emit(ctx, Online{Reader: l.cfg.Name, Firmware: v, Power: power, At: l.cfg.Now()})
}

// offline reports the end of a connection, once per episode; repeated
// failures to reopen are logged when their reason changes.
func (l *loop) offline(ctx context.Context, err error) {
	if err == nil {
		err = errors.New("rfid: connection ended")
	}
	if l.state != stateOffline {
		l.state = stateOffline
		l.r.log.Warn("reader offline", "err", err)
		l.emit(ctx, Offline{Reader: l.cfg.Name, Err: err, At: l.cfg.Now()})
	} else if msg := err.Error(); msg != l.lastOffline {
		l.r.log.Warn("reader still offline", "err", err)
	}
	l.lastOffline = err.Error()
}

// answered notes that the reader said something: the silence episode, if
// any, is over.
func (l *loop) answered() { l.misses, l.timeoutReported = 0, false }

// missed counts a command that went unanswered. The second in a row
// raises a ReaderError (once per episode); MaxMisses in a row end the
// connection.
func (l *loop) missed(ctx context.Context, cmd byte, ant int) error {
	l.r.timeouts.Add(1)
	l.misses++
	err := fmt.Errorf("%w: command 0x%02X unanswered within %v (%d in a row)", ErrTimeout, cmd, l.cfg.ReplyTimeout, l.misses)
	if l.misses >= l.cfg.MaxMisses {
		return err
	}
	if l.misses >= 2 && !l.timeoutReported {
		l.timeoutReported = true
		l.r.log.Warn("reader not answering", "cmd", cmd, "antenna", ant, "err", err)
		l.emit(ctx, ReaderError{Reader: l.cfg.Name, Cmd: cmd, Antenna: ant, Err: err, At: l.cfg.Now()})
	}
	return nil
}

// refusal handles a reply that is not success. An error code is reported
// as ReaderError once per episode of that command on that antenna; a
// malformed reply is counted and logged. Neither ends the connection.
func (l *loop) refusal(ctx context.Context, cmd byte, ant int, err error) error {
	var re *ReplyError
	if !errors.As(err, &re) {
		l.r.badPayload.Add(1)
		l.badFrame("bad reply", err)
		return nil
	}
	l.r.refusals.Add(1)
	k := faultKey{cmd, ant}
	if code, seen := l.refused[k]; seen && code == re.Code {
		return nil
	}
	l.refused[k] = re.Code
	l.r.log.Warn("reader refused command", "cmd", cmd, "antenna", ant, "code", re.Code.String())
	l.emit(ctx, ReaderError{Reader: l.cfg.Name, Cmd: cmd, Antenna: ant, Code: re.Code, Err: re, At: l.cfg.Now()})
	return nil
}

// succeeded ends the refusal episode of cmd on ant.
func (l *loop) succeeded(cmd byte, ant int) { delete(l.refused, faultKey{cmd, ant}) }
