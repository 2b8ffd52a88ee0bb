package rfid

import (
	"context"
	"errors"
	"os"
	"time"

	wire "github.com/palisade/palisade/sensors/rfid"
)

// answer is what the reader sends for one command: frames at once, then,
// for an inventory round, the end of round after the round's duration.
type answer struct {
	now   [][]byte
	end   []byte
	after time.Duration
}

func (r *Reader) serve(ctx context.Context, m *os.File) {
	buf := make([]byte, 512)
	for ctx.Err() == nil {
		m.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, err := m.Read(buf)
		if n > 0 {
			r.dec.Write(buf[:n])
		} else {
			r.dec.Idle()
		}
		for {
			f, ok, ferr := r.dec.Next()
			if ferr != nil {
				continue
			}
			if !ok {
				break
			}
			a := r.answer(f, r.cfg.Now())
			if !r.send(ctx, m, a) {
				return
			}
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
	}
}

// send writes an answer; false means the line is gone.
func (r *Reader) send(ctx context.Context, m *os.File, a answer) bool {
	for _, b := range a.now {
		if _, err := m.Write(b); err != nil {
			return false
		}
	}
	if a.end == nil {
		return true
	}
	t := time.NewTimer(a.after)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	_, err := m.Write(a.end)
	return err == nil
}

// answer decides the reply to one command, as frames ready for the line.
func (r *Reader) answer(f wire.Frame, now time.Time) answer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.silent {
		return answer{}
	}
	if f.Addr != r.cfg.Addr && f.Addr != wire.AddrPublic {
		r.stats.Ignored++
		return answer{}
	}
	r.stats.Commands++
	one := func(data ...byte) answer { return answer{now: [][]byte{r.frame(f.Cmd, data)}} }
	status := func(c wire.ErrorCode) answer {
		if c != wire.CodeSuccess {
			r.stats.Refused++
		}
		return one(byte(c))
	}
	d := f.Data
	switch f.Cmd {
	case wire.CmdReset:
		if len(d) != 0 {
			return status(wire.CodeParameterInvalid)
		}
		r.ant = 0 // reboots; says nothing
		return answer{}
	case wire.CmdGetFirmwareVersion:
		if len(d) != 0 {
			return status(wire.CodeParameterInvalid)
		}
		return one(r.cfg.Firmware.Marshal()...)
	case wire.CmdSetWorkAntenna:
		switch {
		case len(d) != 1:
			return status(wire.CodeParameterInvalid)
		case d[0] > 3:
			return status(wire.CodeAntennaOutOfRange)
		}
		r.ant = int(d[0])
		return status(wire.CodeSuccess)
	case wire.CmdGetWorkAntenna:
		return one(byte(r.ant))
	case wire.CmdSetOutputPower:
		if len(d) != 1 && len(d) != 4 {
			return status(wire.CodeParameterInvalid)
		}
		for _, p := range d {
			if p > wire.MaxPower {
				return status(wire.CodePowerOutOfRange)
			}
		}
		for i := range r.power {
			r.power[i] = int(d[i%len(d)])
		}
		return status(wire.CodeSuccess)
	case wire.CmdGetOutputPower:
		return one(byte(r.power[0]))
	case wire.CmdSetBeeperMode:
		switch {
		case len(d) != 1:
			return status(wire.CodeParameterInvalid)
		case d[0] > 2:
			return status(wire.CodeBeeperOutOfRange)
		}
		r.beeper = d[0]
		return status(wire.CodeSuccess)
	case wire.CmdRealTimeInventory:
		switch {
		case len(d) != 1 || d[0] == 0:
			return status(wire.CodeParameterInvalid)
		case r.missing[r.ant]:
			return status(wire.CodeAntennaMissing)
		}
		return r.round(int(d[0]), now)
	}
	// Other commands (buffered inventory, tag access, fast switch…) are not
	// simulated.
	return status(wire.CodeFail)
}

// round runs one real-time inventory on the work antenna.
func (r *Reader) round(repeat int, now time.Time) answer {
	seen := r.cfg.Scenario.InView(r.cfg.Doorway, r.ant, now)
	reports, missed := r.radio.round(seen, r.ant, repeat)
	r.stats.Rounds[r.ant]++
	r.stats.TagReports += uint64(len(reports))
	r.stats.Missed += uint64(missed)
	var a answer
	for _, t := range reports {
		data, err := t.Marshal()
		if err != nil {
			continue // an EPC the PC word cannot describe: not in a valid scenario
		}
		a.now = append(a.now, r.frame(wire.CmdRealTimeInventory, data))
	}
	d := r.cfg.RoundTime * time.Duration(repeat)
	end, _ := wire.RoundEnd{Antenna: r.ant, ReadRate: readRate(len(reports), d), Total: uint32(len(reports))}.Marshal()
	a.end, a.after = r.frame(wire.CmdRealTimeInventory, end), d
	return a
}

// frame encodes a reply from this reader, damaged now and then.
func (r *Reader) frame(cmd byte, data []byte) []byte {
	b, err := wire.Marshal(wire.Frame{Addr: r.cfg.Addr, Cmd: cmd, Data: data})
	if err != nil {
		return nil
	}
	if r.corrupt > 0 && r.radio.rng.Float64() < r.corrupt {
		r.stats.Corrupted++
		return r.radio.damage(b)
	}
	return b
}
