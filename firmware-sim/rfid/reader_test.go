package rfid

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	wire "github.com/palisade/palisade/sensors/rfid"
)

var (
	t0   = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	door = scenario.Doorway{ID: "hb-a-rfid", A: "hb-a-1", B: "hb-a-2"}
	who  = scenario.Residents(2, "hb-a-1")
)

// line is the driver's end of the pty, opened raw, with a decoder.
type line struct {
	t   *testing.T
	f   *os.File
	dec wire.Decoder
}

func openSim(t *testing.T, mod func(*Config)) (*Reader, *line, *scenario.Clock, *scenario.Scenario) {
	t.Helper()
	sc, err := scenario.New([]scenario.Doorway{door}, who)
	if err != nil {
		t.Fatal(err)
	}
	clock := scenario.NewClock(t0)
	cfg := Config{Link: filepath.Join(t.TempDir(), "ttyRFID"), Scenario: sc, Doorway: door.ID, Now: clock.Now,
		Addr: 0x01, RoundTime: time.Millisecond, NoiseDB: -1, Seed: 3}
	if mod != nil {
		mod(&cfg)
	}
	r, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	f, err := os.OpenFile(r.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return r, &line{t: t, f: f}, clock, sc
}

// ask sends a command and returns the n frames that answer it.
func (l *line) ask(addr, cmd byte, data []byte, n int) []wire.Frame {
	l.t.Helper()
	b, err := wire.Marshal(wire.Frame{Addr: addr, Cmd: cmd, Data: data})
	if err != nil {
		l.t.Fatal(err)
	}
	if _, err := l.f.Write(b); err != nil {
		l.t.Fatal(err)
	}
	var out []wire.Frame
	buf := make([]byte, 256)
	l.f.SetReadDeadline(time.Now().Add(2 * time.Second))
	for len(out) < n {
		for {
			f, ok, err := l.dec.Next()
			if err != nil {
				l.t.Fatalf("reply does not decode: %v", err)
			}
			if !ok {
				break
			}
			out = append(out, f)
		}
		if len(out) >= n {
			break
		}
		k, err := l.f.Read(buf)
		l.dec.Write(buf[:k])
		if err != nil {
			l.t.Fatalf("after %d of %d frames answering 0x%02X: %v", len(out), n, cmd, err)
		}
	}
	return out
}

func TestCommands(t *testing.T) {
	r, l, _, _ := openSim(t, func(c *Config) { c.Firmware = wire.Version{Major: 3, Minor: 2}; c.Ports = 3 })
	cases := []struct {
		name string
		addr byte
		cmd  byte
		data []byte
		want []byte
	}{
		{"version", 0x01, wire.CmdGetFirmwareVersion, nil, []byte{3, 2}},
		{"version, public address", wire.AddrPublic, wire.CmdGetFirmwareVersion, nil, []byte{3, 2}},
		{"set antenna", 0x01, wire.CmdSetWorkAntenna, []byte{2}, []byte{0x10}},
		{"get antenna", 0x01, wire.CmdGetWorkAntenna, nil, []byte{2}},
		{"antenna out of range", 0x01, wire.CmdSetWorkAntenna, []byte{4}, []byte{0x47}},
		{"antenna without data", 0x01, wire.CmdSetWorkAntenna, nil, []byte{0x41}},
		{"power", 0x01, wire.CmdSetOutputPower, []byte{25}, []byte{0x10}},
		{"get power", 0x01, wire.CmdGetOutputPower, nil, []byte{25}},
		{"power out of range", 0x01, wire.CmdSetOutputPower, []byte{40}, []byte{0x48}},
		{"beeper", 0x01, wire.CmdSetBeeperMode, []byte{0}, []byte{0x10}},
		{"beeper out of range", 0x01, wire.CmdSetBeeperMode, []byte{3}, []byte{0x4B}},
		{"inventory repeat 0", 0x01, wire.CmdRealTimeInventory, []byte{0}, []byte{0x41}},
		{"antenna 2 connected, nobody in view", 0x01, wire.CmdRealTimeInventory, []byte{1},
			must(wire.RoundEnd{Antenna: 2}.Marshal())},
		{"not simulated", 0x01, wire.CmdRead, []byte{1, 2, 3}, []byte{0x11}},
	}
	for _, tc := range cases {
		got := l.ask(tc.addr, tc.cmd, tc.data, 1)[0]
		if got.Addr != 0x01 || got.Cmd != tc.cmd || !bytes.Equal(got.Data, tc.want) {
			t.Errorf("%s: reply %v, want data % X from 0x01", tc.name, got, tc.want)
		}
	}
	if r.Power(1) != 25 || r.WorkAntenna() != 2 {
		t.Fatalf("state: power %d, antenna %d", r.Power(1), r.WorkAntenna())
	}
	// Another reader's address: no reply; the next answer is the next command's.
	if got := l.ask(0x05, wire.CmdGetFirmwareVersion, nil, 0); len(got) != 0 {
		t.Fatalf("answered another address: %v", got)
	}
	if got := l.ask(0x01, wire.CmdGetWorkAntenna, nil, 1)[0]; got.Cmd != wire.CmdGetWorkAntenna {
		t.Fatalf("after a command to another address: %v", got)
	}
	st := r.Stats()
	if st.Ignored != 1 || st.Refused != 6 || st.Rounds[2] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestInventory(t *testing.T) {
	r, l, clock, sc := openSim(t, nil)
	at := t0.Add(time.Minute)
	for _, p := range who {
		if _, err := sc.Walk(p.EPC, door.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(at.Add(-time.Second)) // both approaching from zone A
	l.ask(0x01, wire.CmdSetWorkAntenna, []byte{0}, 1)
	got := l.ask(0x01, wire.CmdRealTimeInventory, []byte{2}, 5) // repeat 2: each tag twice, then the end
	seen := map[wire.EPC]int{}
	for _, f := range got[:4] {
		rep, err := wire.ParseInventory(f.Data)
		if err != nil || rep.Kind != wire.InventoryTag || rep.Tag.Antenna != 0 || rep.Tag.PC != 0x3000 {
			t.Fatalf("tag report %+v, %v", rep, err)
		}
		if d := rep.Tag.DBm(); d != -62 { // -45 - 25*(1/1.5), no noise
			t.Fatalf("RSSI %d dBm, want -62", d)
		}
		seen[wire.EPCFromBytes(rep.Tag.EPC)]++
	}
	if seen[who[0].EPC] != 2 || seen[who[1].EPC] != 2 {
		t.Fatalf("tags reported %v", seen)
	}
	end, err := wire.ParseInventory(got[4].Data)
	if err != nil || end.Kind != wire.InventoryEnd || end.End.Antenna != 0 || end.End.Total != 4 || end.End.ReadRate != 2000 {
		t.Fatalf("end of round %+v, %v", end, err)
	}
	// Antenna 1 faces zone B: nobody there yet.
	l.ask(0x01, wire.CmdSetWorkAntenna, []byte{1}, 1)
	if got := l.ask(0x01, wire.CmdRealTimeInventory, []byte{1}, 1); len(got[0].Data) != 7 {
		t.Fatalf("antenna 1 reported %v", got)
	}
	// A port without an antenna.
	l.ask(0x01, wire.CmdSetWorkAntenna, []byte{3}, 1)
	if got := l.ask(0x01, wire.CmdRealTimeInventory, []byte{1}, 1); !bytes.Equal(got[0].Data, []byte{byte(wire.CodeAntennaMissing)}) {
		t.Fatalf("inventory on port 3: %v", got)
	}
	if st := r.Stats(); st.TagReports != 4 || st.Rounds != [4]uint64{1, 1, 0, 0} {
		t.Fatalf("stats %+v", st)
	}
}

func TestUnplugPlug(t *testing.T) {
	r, _, _, _ := openSim(t, nil)
	if err := r.Unplug(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("link still there after Unplug: %v", err)
	}
	if err := r.Plug(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(r.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l2 := &line{t: t, f: f}
	if got := l2.ask(0x01, wire.CmdGetFirmwareVersion, nil, 1)[0]; !bytes.Equal(got.Data, []byte{1, 7}) {
		t.Fatalf("after replug: %v", got)
	}
}

// TestReplay: without a port, the reads of a crossing come on antenna 0
// first, then both, then antenna 1, with the signal peaking at the
// threshold; missed reads thin them out.
func TestReplay(t *testing.T) {
	sc, _ := scenario.New([]scenario.Doorway{door}, who)
	at := t0.Add(time.Minute)
	sc.Walk(who[0].EPC, door.ID, at)
	cfg := ReplayConfig{Scenario: sc, Doorway: door.ID, NoiseDB: -1}
	rs := Replay(cfg)
	if len(rs) < 50 {
		t.Fatalf("%d reads", len(rs))
	}
	first, last := rs[0], rs[len(rs)-1]
	if first.Antenna != 0 || last.Antenna != 1 || first.At.Before(at.Add(-scenario.Approach)) || last.At.After(at.Add(scenario.Approach)) {
		t.Fatalf("first %+v, last %+v", first, last)
	}
	best := rs[0]
	for _, r := range rs {
		if r.RSSI > best.RSSI {
			best = r
		}
		if r.EPC != who[0].EPC || r.Reader != door.ID {
			t.Fatalf("read %+v", r)
		}
	}
	if d := best.At.Sub(at); d < -50*time.Millisecond || d > 50*time.Millisecond || best.RSSI != -45 {
		t.Fatalf("strongest read %+v, want -45 dBm at the threshold", best)
	}
	cfg.MissRate = 0.5
	thin := Replay(cfg)
	if n := len(thin); n < len(rs)/3 || n > 2*len(rs)/3 {
		t.Fatalf("%d reads with half missed, %d without", n, len(rs))
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
