package radar

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	wire "github.com/palisade/palisade/sensors/radar"
)

const wait = 5 * time.Second

func frames(n int) []wire.Frame {
	out := make([]wire.Frame, n)
	for i := range out {
		p := uint32(i % 2)
		out[i] = wire.Frame{
			Points:   []wire.Point{{X: float32(i), Y: 1, Z: 0.5, Doppler: -0.1}},
			Presence: &p,
			Vitals:   []wire.VitalSigns{{ID: 1, RangeBin: 20, HeartRate: 60 + float32(i), BreathRate: 12}},
		}
	}
	return out
}

func start(t *testing.T, src Source, cfg DeviceConfig) *Device {
	t.Helper()
	if cfg.FramePeriod == 0 {
		cfg.FramePeriod = 5 * time.Millisecond
	}
	d, err := NewDevice(src, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// until reads f until out ends with suffix.
func until(t *testing.T, f *os.File, suffix string) string {
	t.Helper()
	f.SetReadDeadline(time.Now().Add(wait))
	var out []byte
	buf := make([]byte, 256)
	for !bytes.HasSuffix(out, []byte(suffix)) {
		n, err := f.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			t.Fatalf("read %q: %v", out, err)
		}
	}
	return string(out)
}

func send(t *testing.T, cli *os.File, line string) string {
	t.Helper()
	if _, err := cli.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
	return until(t, cli, prompt)
}

// readFrames decodes frames from the data port until it has n.
func readFrames(t *testing.T, data *os.File, n int) ([]wire.Frame, *wire.Decoder) {
	t.Helper()
	var dec wire.Decoder
	var got []wire.Frame
	data.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 4096)
	for len(got) < n {
		k, err := data.Read(buf)
		dec.Write(buf[:k])
		for {
			f, ok, ferr := dec.Next()
			if ferr != nil {
				continue
			}
			if !ok {
				break
			}
			got = append(got, f)
		}
		if err != nil {
			t.Fatalf("after %d frames: %v", len(got), err)
		}
	}
	return got, &dec
}

// sentN waits until the device recorded n frames as sent: a frame is
// recorded once its write returned, which may be after the reader has it.
func sentN(t *testing.T, d *Device, n int) []wire.Frame {
	t.Helper()
	for deadline := time.Now().Add(wait); ; time.Sleep(time.Millisecond) {
		if s := d.Sent(); len(s) >= n {
			return s[:n]
		}
		if time.Now().After(deadline) {
			t.Fatalf("device recorded %d frames sent, want %d", len(d.Sent()), n)
		}
	}
}

// TestCLI: the CLI prints the banner and prompt, answers a known command
// with echo, Done and prompt, an unknown one with Error -1, and records
// both.
func TestCLI(t *testing.T) {
	d := start(t, &Slice{}, DeviceConfig{})
	cli := open(t, d.CLIPath())
	if b := until(t, cli, prompt); !strings.Contains(b, "MMW Demo 03.06") {
		t.Fatalf("banner %q", b)
	}
	if got := send(t, cli, "sensorStop"); got != "sensorStop\r\nIgnored: Sensor is already stopped\r\nDone\r\n"+prompt {
		t.Fatalf("sensorStop answered %q", got)
	}
	if got := send(t, cli, "profileCfg 0 60.75 30.00 25.00 59.10 657930 0 54.71 1 96 2950.00 2 1 36"); !strings.HasSuffix(got, "\r\nDone\r\n"+prompt) {
		t.Fatalf("profileCfg answered %q", got)
	}
	if got := send(t, cli, "fooCfg 1 2"); !strings.Contains(got, "Error -1\r\n") || strings.Contains(got, "Done") {
		t.Fatalf("unknown command answered %q", got)
	}
	want := []string{"sensorStop", "profileCfg 0 60.75 30.00 25.00 59.10 657930 0 54.71 1 96 2950.00 2 1 36", "fooCfg 1 2"}
	if got := d.Commands(); !reflect.DeepEqual(got, want) {
		t.Fatalf("recorded %q", got)
	}
}

// TestStreaming: nothing on the data port before sensorStart; then the
// Source's frames, numbered, padded to 32 bytes and decoding to what Sent
// records; nothing after sensorStop; the scene ends when the Source does.
func TestStreaming(t *testing.T) {
	src := frames(6)
	d := start(t, &Slice{Frames: src}, DeviceConfig{})
	cli, data := open(t, d.CLIPath()), open(t, d.DataPath())
	until(t, cli, prompt)
	data.SetReadDeadline(time.Now().Add(50 * time.Millisecond)) // ten frame periods
	if n, _ := data.Read(make([]byte, 64)); n != 0 {
		t.Fatalf("%d bytes before sensorStart", n)
	}
	send(t, cli, "sensorStart")
	got, dec := readFrames(t, data, 6)
	sent := sentN(t, d, 6)
	if !reflect.DeepEqual(got, sent) {
		t.Fatalf("read %+v\nsent %+v", got, sent)
	}
	for i, f := range got {
		if f.Header.FrameNumber != uint32(i+1) || f.Header.TotalPacketLen%wire.SegmentLen != 0 || f.Header.Platform != Platform ||
			f.Points[0].X != src[i].Points[0].X || f.Vitals[0].HeartRate != src[i].Vitals[0].HeartRate {
			t.Fatalf("frame %d: %+v", i, f)
		}
	}
	if dec.Stats.Skipped.Load() != 0 {
		t.Fatalf("%d bytes skipped", dec.Stats.Skipped.Load())
	}
	for deadline := time.Now().Add(wait); !d.SceneOver(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("scene never ended")
		}
	}
	send(t, cli, "sensorStop")
	if d.Streaming() {
		t.Fatal("still streaming after sensorStop")
	}
}

// TestSilenceAndResume: StopAfter silences the data port with the CLI
// still answering; Resume brings frames back.
func TestSilenceAndResume(t *testing.T) {
	d := start(t, &Slice{Frames: frames(3), Loop: true}, DeviceConfig{StopAfter: 4})
	cli, data := open(t, d.CLIPath()), open(t, d.DataPath())
	until(t, cli, prompt)
	send(t, cli, "sensorStart")
	readFrames(t, data, 4)
	data.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _ := data.Read(make([]byte, 64)); n != 0 {
		t.Fatalf("%d bytes after StopAfter", n)
	}
	if got := send(t, cli, "guiMonitor -1 1 0 0 0 0 1"); !strings.Contains(got, "Done") {
		t.Fatalf("silent radar's CLI answered %q", got)
	}
	d.Resume()
	if got, _ := readFrames(t, data, 2); got[0].Header.FrameNumber != 5 {
		t.Fatalf("resumed with frame %d", got[0].Header.FrameNumber)
	}
}

// TestCorruptEvery: damaged frames are recorded, and a receiver gets
// exactly the intact ones, having rejected or skipped the rest.
func TestCorruptEvery(t *testing.T) {
	d := start(t, &Slice{Frames: frames(5), Loop: true}, DeviceConfig{CorruptEvery: 2, Seed: 3})
	cli, data := open(t, d.CLIPath()), open(t, d.DataPath())
	until(t, cli, prompt)
	send(t, cli, "sensorStart")
	got, dec := readFrames(t, data, 12)
	sent := sentN(t, d, 12)
	for i, f := range got {
		if !reflect.DeepEqual(f, sent[i]) {
			t.Fatalf("frame %d: read %+v, sent %+v", i, f, sent[i])
		}
	}
	if dm := d.Damaged(); len(dm) < 4 || dec.Stats.Skipped.Load() == 0 || dec.Stats.BadLength.Load() == 0 || dec.Stats.BadTLV.Load() == 0 {
		t.Fatalf("damaged %v, receiver skipped %d, bad length %d, bad tlv %d", dm, dec.Stats.Skipped.Load(),
			dec.Stats.BadLength.Load(), dec.Stats.BadTLV.Load())
	}
}

// TestUnplugReplug: Unplug removes the links and hangs up an open port;
// Replug brings new pseudo-terminals under the same names, with the radar
// needing sensorStart again.
func TestUnplugReplug(t *testing.T) {
	d := start(t, &Slice{Frames: frames(2), Loop: true}, DeviceConfig{})
	cli := open(t, d.CLIPath())
	until(t, cli, prompt)
	send(t, cli, "sensorStart")
	if err := d.Unplug(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.CLIPath()); !os.IsNotExist(err) {
		t.Fatalf("link still there: %v", err)
	}
	if _, err := cli.WriteString("sensorStop\n"); err == nil {
		t.Fatal("write to an unplugged radar succeeded")
	}
	if err := d.Replug(); err != nil {
		t.Fatal(err)
	}
	if d.Streaming() {
		t.Fatal("streaming after a power cycle")
	}
	cli = open(t, d.CLIPath())
	until(t, cli, prompt)
	if got := send(t, cli, "sensorStop"); !strings.Contains(got, "Done") {
		t.Fatalf("replugged radar answered %q", got)
	}
}
