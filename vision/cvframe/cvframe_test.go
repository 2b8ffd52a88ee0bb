package cvframe

import (
	"testing"

	"gocv.io/x/gocv"

	"github.com/palisade/palisade/vision/h264dec"
)

func frame(format h264dec.PixelFormat, w, h int) *h264dec.Frame {
	bpp := format.BytesPerPixel()
	f := &h264dec.Frame{Format: format, Width: w, Height: h, Stride: w * bpp, Pix: make([]byte, w*h*bpp)}
	for i := range f.Pix {
		f.Pix[i] = byte(i * 7)
	}
	return f
}

func TestToMat(t *testing.T) {
	for _, c := range []struct {
		format h264dec.PixelFormat
		mt     gocv.MatType
	}{{h264dec.Gray, gocv.MatTypeCV8UC1}, {h264dec.BGR, gocv.MatTypeCV8UC3}} {
		f := frame(c.format, 8, 6)
		m, err := ToMat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m.Rows() != 6 || m.Cols() != 8 || m.Type() != c.mt {
			t.Errorf("%v: Mat %dx%d type %v", c.format, m.Cols(), m.Rows(), m.Type())
		}
		if c.format == h264dec.Gray {
			if got, want := m.GetUCharAt(5, 7), f.At(7, 5)[0]; got != want {
				t.Errorf("gray (7,5) = %d, want %d", got, want)
			}
		} else {
			v := m.GetVecbAt(5, 7)
			if px := f.At(7, 5); v[0] != px[0] || v[1] != px[1] || v[2] != px[2] {
				t.Errorf("bgr (7,5) = %v, want % x", v, px)
			}
		}
		// The Mat owns its pixels: reusing the frame does not change it.
		before := m.GetUCharAt(0, 1)
		f.Pix[1] ^= 0xff
		if m.GetUCharAt(0, 1) != before {
			t.Error("the Mat shares the frame's buffer")
		}
		m.Close()
	}
}

func TestIntoReuses(t *testing.T) {
	m := gocv.NewMat()
	defer m.Close()
	f := frame(h264dec.BGR, 16, 8)
	if err := Into(&m, f); err != nil {
		t.Fatal(err)
	}
	data, _ := m.DataPtrUint8()
	if err := Into(&m, f); err != nil {
		t.Fatal(err)
	}
	again, _ := m.DataPtrUint8()
	if &data[0] != &again[0] {
		t.Error("Into reallocated a Mat of the right size")
	}
	if err := Into(&m, frame(h264dec.Gray, 4, 4)); err != nil || m.Type() != gocv.MatTypeCV8UC1 || m.Cols() != 4 {
		t.Errorf("resize: %v, Mat %dx%d %v", err, m.Cols(), m.Rows(), m.Type())
	}
	bad := frame(h264dec.Gray, 4, 4)
	bad.Stride = 5
	if err := Into(&m, bad); err == nil {
		t.Error("a padded frame was accepted")
	}
}
