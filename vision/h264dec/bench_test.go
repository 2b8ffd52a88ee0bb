package h264dec

import "testing"

// BenchmarkDecode decodes the 320×240 High-profile clip (B-frames) a
// picture at a time, without conversion.
func BenchmarkDecode(b *testing.B) {
	aus := readClip(b, clipBFrames)
	d := newDecoder(b, Config{})
	i := 0
	for b.Loop() {
		p, err := d.Decode(aus[i%len(aus)], pts(i))
		if err != nil {
			b.Fatal(err)
		}
		p.Release()
		i++
	}
}

// BenchmarkConvert scales one decoded 320×240 picture to 160×120 BGR.
func BenchmarkConvert(b *testing.B) {
	d := newDecoder(b, Config{})
	var p *Picture
	for i, au := range readClip(b, clipBFrames) {
		q, err := d.Decode(au, pts(i))
		if err != nil {
			b.Fatal(err)
		}
		if q != nil {
			p.Release()
			p = q
		}
	}
	defer p.Release()
	s := NewScaler(160, 120, BGR)
	defer s.Close()
	var f Frame
	for b.Loop() {
		if err := s.Convert(p, &f); err != nil {
			b.Fatal(err)
		}
	}
}
