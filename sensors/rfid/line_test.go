package rfid_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/sensors/rfid"
)

// scripted is an in-memory port whose reader answers each command with
// the frames respond returns. Read waits briefly for data, then returns
// (0, io.EOF) like a serial read timeout.
type scripted struct {
	mu      sync.Mutex
	out     []byte
	wake    chan struct{}
	dec     rfid.Decoder
	ant     byte
	respond func(s *scripted, f rfid.Frame) [][]byte
}

func (s *scripted) Write(b []byte) (int, error) {
	s.mu.Lock()
	s.dec.Write(b)
	for {
		f, ok, _ := s.dec.Next()
		if !ok {
			break
		}
		for _, fr := range s.respond(s, f) {
			s.out = append(s.out, fr...)
		}
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return len(b), nil
}

func (s *scripted) Read(b []byte) (int, error) {
	for range 2 {
		s.mu.Lock()
		if len(s.out) > 0 {
			n := copy(b, s.out)
			s.out = s.out[n:]
			s.mu.Unlock()
			return n, nil
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-time.After(10 * time.Millisecond):
		}
	}
	return 0, io.EOF
}

func (s *scripted) Close() error { return nil }

func frame(addr, cmd byte, data []byte) []byte {
	b, err := rfid.Marshal(rfid.Frame{Addr: addr, Cmd: cmd, Data: data})
	if err != nil {
		panic(err)
	}
	return b
}

// noisyReader answers like a reader on a line shared with another reader
// and with replies left over from earlier rounds: before the true end of
// each round come an end of round for the other antenna, a tag report
// from address 0x02, a late set-antenna status and a tag report whose PC
// disagrees with its length.
func noisyReader(s *scripted, f rfid.Frame) [][]byte {
	ok := []byte{byte(rfid.CodeSuccess)}
	switch f.Cmd {
	case rfid.CmdGetFirmwareVersion:
		return [][]byte{frame(1, f.Cmd, []byte{3, 2})}
	case rfid.CmdSetOutputPower:
		return [][]byte{frame(1, f.Cmd, ok)}
	case rfid.CmdSetWorkAntenna:
		s.ant = f.Data[0]
		return [][]byte{frame(1, f.Cmd, ok)}
	case rfid.CmdRealTimeInventory:
		tag := func(addr byte, epc []byte) []byte {
			b, _ := rfid.TagReport{Antenna: int(s.ant), PC: rfid.PCFor(len(epc)), EPC: epc, RSSI: 80}.Marshal()
			return frame(addr, f.Cmd, b)
		}
		stale, _ := rfid.RoundEnd{Antenna: int(1 - s.ant), Total: 9}.Marshal()
		end, _ := rfid.RoundEnd{Antenna: int(s.ant), ReadRate: 50, Total: 1}.Marshal()
		return [][]byte{
			frame(1, f.Cmd, stale),
			tag(2, []byte{0xBA, 0xD0}),
			frame(1, rfid.CmdSetWorkAntenna, ok),
			frame(1, f.Cmd, []byte{0, 0x30, 0x00, 0xAA, 0xBB, 0x50}),
			tag(1, []byte{0x12, 0x34}),
			frame(1, f.Cmd, end),
		}
	}
	return nil
}

// TestStrayReplies: replies from another address, late replies and an
// end of round for the other antenna are counted and ignored, so rounds
// neither end early nor shift; a frame that does not parse is counted;
// a publish that panics is recovered and later events still arrive.
func TestStrayReplies(t *testing.T) {
	port := &scripted{wake: make(chan struct{}, 1), respond: noisyReader}
	r, err := rfid.New(rfid.Config{Name: "test", Open: func() (io.ReadWriteCloser, error) { return port, nil },
		Addr: 0x01, ReplyTimeout: 200 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan rfid.Event, 256)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		panicked := false
		r.Run(ctx, func(ev rfid.Event) {
			if _, ok := ev.(rfid.Read); ok && !panicked {
				panicked = true
				panic("consumer bug")
			}
			select {
			case events <- ev:
			case <-ctx.Done():
			}
		})
	}()
	defer func() { cancel(); <-done }()

	want := 0
	deadline := time.After(wait)
	for rounds := 0; rounds < 6; {
		select {
		case ev := <-events:
			switch e := ev.(type) {
			case rfid.Round:
				if e.Antenna != want || e.Reads != 1 || e.Total != 1 {
					t.Fatalf("round %d: %+v, want antenna %d with 1 read", rounds, e, want)
				}
				want = 1 - want
				rounds++
			case rfid.Read:
				if e.EPC != "1234" {
					t.Fatalf("read %+v: another reader's tag, or a bad frame", e)
				}
			case rfid.ReaderError, rfid.Offline:
				t.Fatalf("unexpected %+v", e)
			}
		case <-deadline:
			t.Fatalf("rounds stalled: %+v", r.Stats())
		}
	}
	st := r.Stats()
	if st.Stray < 18 || st.BadPayload < 6 || st.Panics != 1 || st.Timeouts != 0 {
		t.Fatalf("stats %+v", st)
	}
}
