package radar

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// numbered returns n marshalled frames numbered from 1, the last padded.
func numbered(t testing.TB, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for i := range n {
		f := frameCases[len(frameCases)-1].f
		f.Header.FrameNumber = uint32(i + 1)
		marshal := Marshal
		if i == n-1 {
			marshal = MarshalPadded
		}
		b, err := marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// drain takes every frame and error the decoder has.
func drain(d *Decoder) (numbers []uint32, errs []error) {
	for {
		f, ok, err := d.Next()
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok:
			numbers = append(numbers, f.Header.FrameNumber)
		default:
			return numbers, errs
		}
	}
}

// feed writes b whole, or in pieces of size chunk, draining after each.
func feed(d *Decoder, b []byte, chunk int) (numbers []uint32, errs []error) {
	if chunk <= 0 {
		chunk = len(b)
	}
	for len(b) > 0 {
		n := min(chunk, len(b))
		d.Write(b[:n])
		b = b[n:]
		nums, es := drain(d)
		numbers, errs = append(numbers, nums...), append(errs, es...)
	}
	return numbers, errs
}

func junk(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func same(a, b []uint32) bool { return slices.Equal(a, b) }

// TestDecoderGarbage: noise before, between and after frames — random
// bytes, partial magic words, a magic word with nothing valid behind it —
// is skipped and counted byte for byte, whole or one byte at a time.
func TestDecoderGarbage(t *testing.T) {
	fr := numbered(t, 4)
	noise := [][]byte{
		junk(1, 17),
		append([]byte{0x02, 0x01, 0x04, 0x03, 0x06}, junk(2, 9)...), // partial magic
		append(append([]byte{}, Magic[:]...), junk(3, 3)...),        // magic, no header
		{0x02, 0x02, 0x01, 0x04, 0x03, 0x06, 0x05, 0x08},            // magic shifted
		junk(4, 5),
	}
	var stream []byte
	for i, b := range fr {
		stream = append(append(stream, noise[i]...), b...)
	}
	stream = append(stream, noise[4]...)
	for _, chunk := range []int{0, 1, 7, 64} {
		var d Decoder
		got, _ := feed(&d, stream, chunk)
		if !same(got, []uint32{1, 2, 3, 4}) {
			t.Fatalf("chunk %d: frames %v", chunk, got)
		}
		inFrames := 0
		for _, b := range fr {
			inFrames += len(b)
		}
		skipped, buffered := d.Stats.Skipped.Load(), uint64(d.Buffered())
		if skipped+buffered != uint64(len(stream)-inFrames) || buffered > uint64(len(Magic)) {
			t.Fatalf("chunk %d: skipped %d + buffered %d, want %d noise bytes", chunk, skipped, buffered, len(stream)-inFrames)
		}
		if d.Stats.Frames.Load() != 4 {
			t.Fatalf("chunk %d: Frames %d", chunk, d.Stats.Frames.Load())
		}
	}
}

// TestDecoderLyingLength: a frame whose totalPacketLen lies — upwards
// within range, downwards, below the header, above the maximum — is
// rejected with ErrLength or ErrTLV and the frames after it come through.
// An upward lie does not hold up the stream until 64 KiB arrived.
func TestDecoderLyingLength(t *testing.T) {
	for _, tc := range []struct {
		name  string
		len   func(n int) uint32
		want  error
		field func(*DecoderStats) uint64
	}{
		{"upwards", func(int) uint32 { return 60000 }, ErrLength, func(s *DecoderStats) uint64 { return s.BadLength.Load() }},
		{"downwards", func(n int) uint32 { return uint32(n - 16) }, ErrTLV, func(s *DecoderStats) uint64 { return s.BadTLV.Load() }},
		{"below header", func(int) uint32 { return 12 }, ErrLength, func(s *DecoderStats) uint64 { return s.BadLength.Load() }},
		{"above max", func(int) uint32 { return 1 << 30 }, ErrLength, func(s *DecoderStats) uint64 { return s.BadLength.Load() }},
	} {
		for _, chunk := range []int{0, 1} {
			fr := numbered(t, 3)
			le.PutUint32(fr[0][12:], tc.len(len(fr[0])))
			var d Decoder
			got, errs := feed(&d, bytes.Join(fr, nil), chunk)
			if !same(got, []uint32{2, 3}) {
				t.Fatalf("%s/%d: frames %v, errs %v", tc.name, chunk, got, errs)
			}
			if len(errs) != 1 || !errors.Is(errs[0], tc.want) || tc.field(&d.Stats) != 1 {
				t.Fatalf("%s/%d: errs %v, stats %d/%d", tc.name, chunk, errs, d.Stats.BadLength.Load(), d.Stats.BadTLV.Load())
			}
			if d.Stats.Skipped.Load() != uint64(len(fr[0])) {
				t.Fatalf("%s/%d: skipped %d, want %d", tc.name, chunk, d.Stats.Skipped.Load(), len(fr[0]))
			}
		}
	}
}

// TestDecoderBadTLV: a vital-signs TLV of 130 bytes in a frame whose
// lengths otherwise add up is rejected with a message naming it; the next
// frame comes through.
func TestDecoderBadTLV(t *testing.T) {
	bad, _ := Marshal(Frame{Header: Header{FrameNumber: 1}, Points: []Point{{}}, Presence: u32(1), Vitals: []VitalSigns{{}}})
	bad = bad[:len(bad)-6]
	le.PutUint32(bad[12:], uint32(len(bad)))
	le.PutUint32(bad[HeaderLen+24+12+4:], 130)
	good, _ := Marshal(Frame{Header: Header{FrameNumber: 2}})
	var d Decoder
	got, errs := feed(&d, append(bad, good...), 0)
	if !same(got, []uint32{2}) || len(errs) != 1 || !errors.Is(errs[0], ErrTLV) {
		t.Fatalf("frames %v errs %v", got, errs)
	}
	if msg := errs[0].Error(); msg != "radar: tlv 2 type 1040: length 130, want a multiple of 136" {
		t.Fatalf("message %q", msg)
	}
	if d.Stats.BadTLV.Load() != 1 || d.Stats.Skipped.Load() != uint64(len(bad)) {
		t.Fatalf("BadTLV %d skipped %d", d.Stats.BadTLV.Load(), d.Stats.Skipped.Load())
	}
}

// TestDecoderUnknownTLV: a frame with a TLV type the codec does not know
// (1020, the compressed point cloud of the tracking demo) is a good frame
// carrying it in Unknown.
func TestDecoderUnknownTLV(t *testing.T) {
	b, _ := MarshalPadded(Frame{Unknown: []TLV{{Type: 1020, Payload: []byte("compressed points")}}, Presence: u32(0)})
	var d Decoder
	d.Write(b)
	f, ok, err := d.Next()
	if !ok || err != nil || len(f.Unknown) != 1 || f.Unknown[0].Type != 1020 || string(f.Unknown[0].Payload) != "compressed points" {
		t.Fatalf("frame %+v ok %v err %v", f, ok, err)
	}
}

// TestDecoderBounded: megabytes of noise, and a header announcing 64 KiB
// followed by noise, never make the decoder hold more than 2×MaxFrameLen;
// a good frame afterwards comes through.
func TestDecoderBounded(t *testing.T) {
	var d Decoder
	noise := bytes.ReplaceAll(junk(7, 1<<20), Magic[:2], []byte{0, 0})
	for b := noise; len(b) > 0; b = b[4096:] {
		d.Write(b[:4096])
		if f, errs := drain(&d); len(f) > 0 || len(errs) > 0 || d.Buffered() >= len(Magic) {
			t.Fatalf("noise gave frames %v errs %v, %d buffered", f, errs, d.Buffered())
		}
	}
	head, _ := Marshal(Frame{})
	le.PutUint32(head[12:], MaxFrameLen)
	d.Write(head)
	for range 64 {
		d.Write(noise[:4096])
		drain(&d)
		if d.Buffered() > 2*MaxFrameLen {
			t.Fatalf("%d bytes buffered", d.Buffered())
		}
	}
	good, _ := Marshal(Frame{Header: Header{FrameNumber: 9}})
	d.Write(good)
	if got, _ := drain(&d); !same(got, []uint32{9}) {
		t.Fatalf("after the flood: frames %v", got)
	}
}
