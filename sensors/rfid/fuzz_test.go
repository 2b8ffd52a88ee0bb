package rfid

import (
	"bytes"
	"errors"
	"testing"
)

var sentinels = []error{ErrShort, ErrHead, ErrLength, ErrChecksum, ErrPayload}

func checkSentinel(t *testing.T, err error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error %v wraps no sentinel", err)
}

// FuzzUnmarshal: a frame that decodes re-encodes to exactly the input (the
// format has no optional parts), and its body never panics the reply
// parsers; every error wraps a sentinel.
func FuzzUnmarshal(f *testing.F) {
	for _, tc := range frameCases(f) {
		b, _ := Marshal(tc.f)
		f.Add(b)
		f.Add(b[:len(b)-1])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fr, err := Unmarshal(in)
		if err != nil {
			checkSentinel(t, err)
			return
		}
		out, err := Marshal(fr)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("re-marshal = % X, %v; input % X", out, err, in)
		}
		rep, err := ParseInventory(fr.Data)
		if err != nil {
			checkSentinel(t, err)
		}
		switch rep.Kind {
		case InventoryTag:
			if b, err := rep.Tag.Marshal(); err != nil || !bytes.Equal(b, fr.Data) {
				t.Fatalf("tag report re-marshal = % X, %v; data % X", b, err, fr.Data)
			}
		case InventoryEnd:
			if b, err := rep.End.Marshal(); err != nil || !bytes.Equal(b, fr.Data) {
				t.Fatalf("end of round re-marshal = % X, %v; data % X", b, err, fr.Data)
			}
		}
		_ = ParseStatus(fr.Cmd, fr.Data)
		_, _ = ParseVersion(fr.Data)
		_, _ = ParsePower(fr.Data)
	})
}

// FuzzDecoder feeds arbitrary bytes in chunks: every frame returned
// occurs in the input and re-encodes to itself; the buffer stays bounded;
// and every byte is accounted for: in a frame, skipped, or still
// buffered. After the line goes idle nothing stays buffered.
func FuzzDecoder(f *testing.F) {
	var stream []byte
	for _, tc := range frameCases(f) {
		b, _ := Marshal(tc.f)
		f.Add(b, uint8(0))
		f.Add(append([]byte{Head, 0x30, 0x00}, b...), uint8(3))
		stream = append(append(stream, b...), 0x55, Head)
	}
	f.Add(stream, uint8(7))
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		var d Decoder
		size := int(cut%32) + 1
		framed, frames := 0, 0
		take := func() {
			for {
				fr, ok, err := d.Next()
				if err != nil {
					checkSentinel(t, err)
					continue
				}
				if !ok {
					return
				}
				b, err := Marshal(fr)
				if err != nil || !bytes.Contains(in, b) {
					t.Fatalf("frame %v (% X, %v) is not in the input", fr, b, err)
				}
				framed += len(b)
				frames++
			}
		}
		for i := 0; i < len(in); i += size {
			d.Write(in[i:min(i+size, len(in))])
			take()
			if d.Buffered() > MaxBuffered {
				t.Fatalf("decoder holds %d bytes", d.Buffered())
			}
		}
		for d.Idle() {
			take()
		}
		if d.Buffered() != 0 {
			t.Fatalf("%d bytes left after the line went idle", d.Buffered())
		}
		if got := framed + int(d.Stats.Skipped.Load()); got != len(in) {
			t.Fatalf("accounted for %d bytes (%d framed, %d skipped) of %d", got, framed, d.Stats.Skipped.Load(), len(in))
		}
		if d.Stats.Frames.Load() != uint64(frames) {
			t.Fatalf("stats say %d frames, returned %d", d.Stats.Frames.Load(), frames)
		}
	})
}

// FuzzTagReport: a tag report body that parses re-encodes to itself, with
// its fields in range and its EPC printable and parseable.
func FuzzTagReport(f *testing.F) {
	for _, tc := range tagCases {
		f.Add(unhex(f, tc.data))
	}
	f.Add([]byte{0x00, 0xF8, 0x00, 0x50})
	f.Fuzz(func(t *testing.T, data []byte) {
		tag, err := ParseTagReport(data)
		if err != nil {
			checkSentinel(t, err)
			return
		}
		if tag.Antenna < 0 || tag.Antenna > 3 || tag.FreqIndex < 0 || tag.FreqIndex > 63 {
			t.Fatalf("antenna %d, frequency index %d", tag.Antenna, tag.FreqIndex)
		}
		if n := len(tag.EPC); n%2 != 0 || n > MaxEPC || n != PCLength(tag.PC) {
			t.Fatalf("EPC of %d bytes with PC 0x%04X", n, tag.PC)
		}
		if d := tag.DBm(); d < -RSSIOffset || d > 255-RSSIOffset {
			t.Fatalf("RSSI %d dBm", d)
		}
		b, err := tag.Marshal()
		if err != nil || !bytes.Equal(b, data) {
			t.Fatalf("re-marshal = % X, %v; data % X", b, err, data)
		}
		if len(tag.EPC) > 0 {
			e := EPCFromBytes(tag.EPC)
			if back, err := ParseEPC(string(e)); err != nil || back != e || !bytes.Equal(e.Bytes(), tag.EPC) {
				t.Fatalf("EPC %q does not round-trip: %q, %v", e, back, err)
			}
		}
	})
}
