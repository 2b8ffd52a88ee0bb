package rfid

import (
	"bytes"
	"errors"
	"testing"
)

func frameBytes(t testing.TB, f Frame) []byte {
	t.Helper()
	b, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// drain takes every frame the decoder has, and the rejections.
func drain(d *Decoder) (frames []Frame, rejects []error) {
	for {
		f, ok, err := d.Next()
		switch {
		case ok:
			frames = append(frames, f)
		case err != nil:
			rejects = append(rejects, err)
		default:
			return
		}
	}
}

func TestDecoderResync(t *testing.T) {
	tag := frameBytes(t, Frame{Addr: 1, Cmd: CmdRealTimeInventory,
		Data: must(TagReport{PC: 0x3000, EPC: epc96, RSSI: 0x50}.Marshal())})
	end := frameBytes(t, Frame{Addr: 1, Cmd: CmdRealTimeInventory,
		Data: must(RoundEnd{Antenna: 0, ReadRate: 40, Total: 1}.Marshal())})
	broken := append([]byte(nil), tag...)
	broken[7] ^= 0x01

	cases := []struct {
		name    string
		stream  [][]byte
		frames  int
		checks  uint64
		lengths uint64
	}{
		{"clean", [][]byte{tag, end}, 2, 0, 0},
		{"garbage between", [][]byte{{0x00, 0x13, 0xFF}, tag, {0x55}, end}, 2, 0, 0},
		{"bad checksum then good", [][]byte{broken, end}, 1, 1, 0},
		{"false head, small len", [][]byte{{Head, 0x01}, tag, end}, 2, 0, 1},
		// A stray 0xA0 whose Len swallows the real frames: the candidate
		// fails its checksum once complete and the frames inside it are
		// found one byte further on.
		{"false head, large len", [][]byte{{Head, 0x30}, tag, end, tag}, 3, 1, 0},
		{"head inside EPC", [][]byte{frameBytes(t, Frame{Addr: 1, Cmd: 0x89,
			Data: must(TagReport{PC: 0x0800, EPC: []byte{Head, 0x04}, RSSI: 0x50}.Marshal())}), end}, 2, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, chunked := range []bool{false, true} {
				var d Decoder
				var frames []Frame
				for _, part := range tc.stream {
					if chunked {
						for _, c := range part {
							d.Write([]byte{c})
							f, _ := drain(&d)
							frames = append(frames, f...)
						}
						continue
					}
					d.Write(part)
					f, _ := drain(&d)
					frames = append(frames, f...)
				}
				if len(frames) != tc.frames || d.Stats.Frames.Load() != uint64(tc.frames) {
					t.Fatalf("chunked %v: %d frames (stats %d), want %d", chunked, len(frames), d.Stats.Frames.Load(), tc.frames)
				}
				if frames[len(frames)-1].Cmd != CmdRealTimeInventory {
					t.Fatalf("last frame %v", frames[len(frames)-1])
				}
				if d.Stats.BadChecksum.Load() != tc.checks || d.Stats.BadLength.Load() != tc.lengths {
					t.Fatalf("chunked %v: bad checksum %d, bad length %d; want %d, %d", chunked,
						d.Stats.BadChecksum.Load(), d.Stats.BadLength.Load(), tc.checks, tc.lengths)
				}
			}
		})
	}
}

// TestDecoderIdle: a stray 0xA0 with a large Len right before the last
// frame of a round would hold that frame until more bytes come, and none
// will: the reader waits for the next command. Idle gives it up.
func TestDecoderIdle(t *testing.T) {
	end := frameBytes(t, Frame{Addr: 1, Cmd: CmdRealTimeInventory,
		Data: must(RoundEnd{Antenna: 1, Total: 0}.Marshal())})
	var d Decoder
	d.Write([]byte{0x12, Head, 0xF0, Head})
	d.Write(end)
	if f, rej := drain(&d); len(f) != 0 || len(rej) != 0 {
		t.Fatalf("before Idle: %v %v", f, rej)
	}
	if !d.Idle() {
		t.Fatal("Idle dropped nothing")
	}
	f, _ := drain(&d)
	if len(f) != 1 || f[0].Cmd != CmdRealTimeInventory || d.Buffered() != 0 {
		t.Fatalf("after Idle: %v, %d bytes left", f, d.Buffered())
	}
	if got := d.Stats.BadLength.Load(); got != 2 {
		t.Fatalf("bad length %d, want 2 (two abandoned heads)", got)
	}
	if got := d.Stats.Skipped.Load(); got != 4 { // 12, A0, F0, A0
		t.Fatalf("skipped %d bytes, want 4", got)
	}
	d.Write([]byte{Head, 0x05, 0x01})
	if !d.Idle() || d.Buffered() != 0 {
		t.Fatalf("Idle left %d bytes of a cut frame", d.Buffered())
	}
	if d.Idle() {
		t.Fatal("Idle on an empty buffer reported a drop")
	}
}

func TestDecoderBounded(t *testing.T) {
	var d Decoder
	junk := bytes.Repeat([]byte{Head, 0xFF, 0x01}, 2000)
	d.Write(junk)
	if d.Buffered() > MaxBuffered {
		t.Fatalf("decoder holds %d bytes, bound %d", d.Buffered(), MaxBuffered)
	}
	_, rejects := drain(&d)
	for _, err := range rejects {
		if !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrLength) {
			t.Fatalf("unexpected rejection %v", err)
		}
	}
}
