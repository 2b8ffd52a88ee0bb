package h264dec

import (
	"fmt"
	"time"
)

// PixelFormat is the layout of a Frame's pixels.
type PixelFormat int

// Pixel formats a Scaler produces. Both are packed in one plane, rows top to
// bottom, which is what gocv.NewMatFromBytes expects (CV_8UC1 / CV_8UC3).
const (
	Gray PixelFormat = iota // 8-bit luma, full range (0 black, 255 white)
	BGR                     // 8-bit blue, green, red per pixel
)

func (f PixelFormat) String() string {
	switch f {
	case Gray:
		return "gray"
	case BGR:
		return "bgr"
	}
	return fmt.Sprintf("PixelFormat(%d)", int(f))
}

// BytesPerPixel is 1 for Gray and 3 for BGR.
func (f PixelFormat) BytesPerPixel() int {
	if f == BGR {
		return 3
	}
	return 1
}

func (f PixelFormat) valid() bool { return f == Gray || f == BGR }

// Frame is a decoded picture converted for analysis. Its Pix buffer is
// reused by the next conversion into the same Frame, so a consumer that
// keeps pixels beyond that copies them.
type Frame struct {
	Format PixelFormat
	Width  int
	Height int
	Stride int    // bytes a row: Width × Format.BytesPerPixel(), no padding
	Pix    []byte // Stride × Height bytes
	// PTS is the presentation time the access unit was given with.
	PTS time.Duration
	// Seq numbers pictures of one stream in output order from 1. The
	// decoder sets it; a component that spans reconnections (ingest)
	// overwrites it with its own counter.
	Seq uint64
	// Damaged is set when libavcodec concealed errors in this picture (a
	// corrupt or missing slice): parts of it may be smeared or grey.
	Damaged bool
	// Key is set for pictures from an IDR (key) frame.
	Key bool
}

// At returns the pixel at (x, y): one byte for Gray, three (B, G, R) for
// BGR. It is meant for tests and spot checks, not for loops.
func (f *Frame) At(x, y int) []byte {
	bpp := f.Format.BytesPerPixel()
	o := y*f.Stride + x*bpp
	return f.Pix[o : o+bpp]
}
