package h264dec

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

const (
	clipBFrames = "testdata/testsrc2-320x240-bframes.h264" // 60 frames, High profile, B-frames, IDR every 30
	clipColour  = "testdata/color-3060c0-160x120.h264"     // 15 frames of R=0x30 G=0x60 B=0xC0
)

func readClip(t testing.TB, path string) [][][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	aus, err := AccessUnits(b)
	if err != nil {
		t.Fatal(err)
	}
	return aus
}

func newDecoder(t testing.TB, cfg Config) *Decoder {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// pts is 1/15 s steps, whole microseconds (the decoder keeps µs).
func pts(i int) time.Duration { return time.Duration(i) * 66667 * time.Microsecond }

// Every access unit of a stream with B-frames comes out as exactly one
// picture, reordered, and none is reported damaged.
func TestDecodeEveryPictureOnce(t *testing.T) {
	aus := readClip(t, clipBFrames)
	if len(aus) != 60 {
		t.Fatalf("clip has %d access units, want 60", len(aus))
	}
	d := newDecoder(t, Config{})
	seen := map[time.Duration]int{}
	take := func(p *Picture) {
		defer p.Release()
		if p.Width() != 320 || p.Height() != 240 {
			t.Errorf("picture %d is %dx%d, want 320x240", p.Seq(), p.Width(), p.Height())
		}
		if p.Damaged() {
			t.Errorf("picture %d damaged", p.Seq())
		}
		seen[p.PTS()]++
	}
	reordered := false
	for i, au := range aus {
		p, err := d.Decode(au, pts(i))
		if err != nil {
			t.Fatalf("access unit %d: %v", i, err)
		}
		if p != nil {
			reordered = reordered || p.PTS() != pts(i-2)
			take(p)
		}
	}
	rest, err := d.Flush()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rest {
		take(p)
	}
	for i := range aus {
		if seen[pts(i)] != 1 {
			t.Errorf("access unit %d (pts %v) came out %d times", i, pts(i), seen[pts(i)])
		}
	}
	if !reordered {
		t.Error("no picture came out of decode order; the clip should have B-frames")
	}
	if d.Superseded() != 0 {
		t.Errorf("superseded %d pictures", d.Superseded())
	}
}

// The colour of a flat clip survives decoding and conversion, in both
// formats and at a scaled size.
func TestConvertColour(t *testing.T) {
	cases := []struct {
		name      string
		cfg       Config
		w, h      int
		want      []byte
		tolerance int
	}{
		{"bgr native", Config{Format: BGR}, 160, 120, []byte{0xc0, 0x60, 0x30}, 4},
		{"gray native", Config{Format: Gray}, 160, 120, []byte{93}, 3},
		{"bgr scaled", Config{Format: BGR, Width: 80, Height: 60}, 80, 60, []byte{0xc0, 0x60, 0x30}, 4},
		{"gray keeps aspect", Config{Format: Gray, Width: 64}, 64, 48, []byte{93}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDecoder(t, c.cfg)
			var f Frame
			got := 0
			for i, au := range readClip(t, clipColour) {
				ok, err := d.DecodeFrame(au, pts(i), &f)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					continue
				}
				got++
				if f.Width != c.w || f.Height != c.h || f.Stride != c.w*c.cfg.Format.BytesPerPixel() || len(f.Pix) != f.Stride*f.Height {
					t.Fatalf("frame %dx%d stride %d len %d, want %dx%d", f.Width, f.Height, f.Stride, len(f.Pix), c.w, c.h)
				}
				for _, xy := range [][2]int{{0, 0}, {c.w / 2, c.h / 2}, {c.w - 1, c.h - 1}} {
					px := f.At(xy[0], xy[1])
					for k := range px {
						if diff := int(px[k]) - int(c.want[k]); diff > c.tolerance || diff < -c.tolerance {
							t.Fatalf("pixel %v = % x, want % x ±%d", xy, px, c.want, c.tolerance)
						}
					}
				}
			}
			if got != 15 {
				t.Errorf("got %d frames, want 15", got)
			}
		})
	}
}

// Input that is not H.264 is refused with an error naming what is wrong,
// and the decoder carries on with good input afterwards.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name    string
		au      [][]byte
		annexb  []byte
		is      error
		mention string
	}{
		{name: "no units", au: [][]byte{}, is: ErrEmpty},
		{name: "empty unit", au: [][]byte{{0x67, 0x42}, {}}, is: ErrBadNALU, mention: "NAL unit 2 of 2 is empty"},
		{name: "forbidden bit", au: [][]byte{{0x85, 0x88, 0x84}}, is: ErrBadNALU, mention: "0x85"},
		{name: "FU-A left in", au: [][]byte{{0x7c, 0x85, 0x88}}, is: ErrBadNALU, mention: "FU-A"},
		{name: "STAP-A left in", au: [][]byte{{0x78, 0x00, 0x02, 0x67, 0x42}}, is: ErrBadNALU, mention: "STAP-A"},
		{name: "start code in unit", au: [][]byte{{0x00, 0x00, 0x01, 0x65}}, is: ErrBadNALU, mention: "DecodeAnnexB"},
		{name: "H.265 VPS", annexb: []byte{0, 0, 0, 1, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff}, is: ErrBadNALU, mention: "type 0"},
		{name: "not annex-b", annexb: []byte("GET / HTTP/1.1"), is: ErrNotAnnexB, mention: "47 45 54"},
		{name: "annex-b empty", annexb: []byte{}, is: ErrEmpty},
		{name: "annex-b only start codes", annexb: []byte{0, 0, 1, 0, 0, 0, 1}, is: ErrEmpty},
	}
	d := newDecoder(t, Config{})
	for _, c := range cases {
		var err error
		var p *Picture
		if c.annexb != nil {
			p, err = d.DecodeAnnexB(c.annexb, 0)
		} else {
			p, err = d.Decode(c.au, 0)
		}
		p.Release()
		if !errors.Is(err, c.is) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.is)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.mention)
		}
	}
	// The decoder still decodes a real stream.
	var f Frame
	got := 0
	for i, au := range readClip(t, clipColour) {
		ok, err := d.DecodeFrame(au, pts(i), &f)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got++
		}
	}
	if got != 15 {
		t.Errorf("after bad input: %d frames, want 15", got)
	}
}

// Corrupt and truncated slices produce damaged pictures or errors, never a
// crash, and the stream is clean again from the next key frame.
func TestCorruptSlicesRecover(t *testing.T) {
	aus := readClip(t, clipBFrames)
	d := newDecoder(t, Config{Width: 160, Height: 120})
	var f Frame
	errs, damaged, clean, afterKey := 0, 0, 0, 0
	for i, au := range aus {
		switch i {
		case 20, 24: // flip bytes in the middle of the slice data
			s := append([]byte(nil), au[0]...)
			for j := len(s) / 3; j < len(s)/3+64 && j < len(s); j++ {
				s[j] ^= 0x5a
			}
			au = [][]byte{s}
		case 22: // lose the second half
			au = [][]byte{au[0][:len(au[0])/2]}
		case 26: // garbage with a slice header byte
			au = [][]byte{append([]byte{0x41}, make([]byte, 200)...)}
		}
		ok, err := d.DecodeFrame(au, pts(i), &f)
		switch {
		case err != nil:
			errs++
		case ok && f.Damaged:
			damaged++
		case ok:
			clean++
			if i >= 33 { // the IDR at 30 is out after reordering
				afterKey++
			}
		}
		if ok && i >= 33 && f.Damaged {
			t.Errorf("access unit %d: picture still damaged after the key frame", i)
		}
	}
	if errs+damaged == 0 {
		t.Error("corruption went unnoticed: no error and no damaged picture")
	}
	if afterKey < 25 {
		t.Errorf("only %d clean pictures after the key frame, want ≥25", afterKey)
	}
	t.Logf("errors %d, damaged %d, clean %d", errs, damaged, clean)
}

// A Picture outlives its decoder, and a closed decoder says so.
func TestCloseAndPictureLifetime(t *testing.T) {
	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var keep *Picture
	for i, au := range readClip(t, clipColour) {
		p, err := d.Decode(au, pts(i))
		if err != nil {
			t.Fatal(err)
		}
		if p != nil && keep == nil {
			keep = p
		} else {
			p.Release()
		}
	}
	clone, err := keep.Clone()
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	d.Close()
	if _, err := d.Decode([][]byte{{0x65, 0x88}}, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Decode after Close: %v, want ErrClosed", err)
	}
	s := NewScaler(0, 0, BGR)
	defer s.Close()
	var f Frame
	keep.Release()
	keep.Release()
	if err := s.Convert(keep, &f); !errors.Is(err, ErrClosed) {
		t.Errorf("Convert of a released picture: %v, want ErrClosed", err)
	}
	if err := s.Convert(clone, &f); err != nil {
		t.Fatalf("Convert of a clone after the decoder closed: %v", err)
	}
	clone.Release()
	if px := f.At(80, 60); px[0] < 0xb0 {
		t.Errorf("clone pixel % x, want blue ≈ 0xc0", px)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []Config{{Width: -2}, {Width: 641, Height: 360}, {Format: 7}, {Threads: 99}, {Width: 9000}}
	for _, c := range bad {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}
