package h264dec

// #include <stdlib.h>
// #include <libavutil/pixdesc.h>
// #include "libav.h"
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Scaler converts Pictures to Frames of a fixed analysis size and format
// with swscale (bilinear). It keeps its swscale context between calls and
// rebuilds it only when the stream's size or colour facts change. A Scaler
// is not safe for concurrent use.
type Scaler struct {
	w, h    int
	format  PixelFormat
	s       *C.pal_scaler // C memory: swscale keeps pointers into it
	cleanup runtime.Cleanup
}

func freeScaler(s *C.pal_scaler) {
	C.pal_scaler_free(s)
	C.free(unsafe.Pointer(s))
}

// NewScaler returns a Scaler to width × height (both 0: the picture's own
// size; one 0: the picture's aspect ratio) in the given format.
func NewScaler(width, height int, format PixelFormat) *Scaler {
	s := &Scaler{w: width, h: height, format: format}
	s.s = (*C.pal_scaler)(C.calloc(1, C.size_t(unsafe.Sizeof(C.pal_scaler{}))))
	s.cleanup = runtime.AddCleanup(s, freeScaler, s.s)
	return s
}

// Close frees the swscale context. It is idempotent.
func (s *Scaler) Close() {
	if s.s == nil {
		return
	}
	s.cleanup.Stop()
	freeScaler(s.s)
	s.s = nil
}

// Size returns the size a picture of srcW × srcH is converted to.
func (s *Scaler) Size(srcW, srcH int) (int, int) {
	w, h := s.w, s.h
	switch {
	case w == 0 && h == 0:
		w, h = srcW, srcH
	case w == 0:
		w = (srcW*h/srcH + 1) &^ 1
	case h == 0:
		h = (srcH*w/srcW + 1) &^ 1
	}
	return max(w, 2), max(h, 2)
}

// Convert writes p into dst, reusing dst.Pix when it is large enough.
func (s *Scaler) Convert(p *Picture, dst *Frame) error {
	if s.s == nil || p.f == nil {
		return ErrClosed
	}
	if !s.format.valid() {
		return fmt.Errorf("h264dec: unknown pixel format %d", int(s.format))
	}
	if C.pal_supported_input(p.info.format) == 0 {
		name := C.GoString(C.av_get_pix_fmt_name(int32(p.info.format)))
		return fmt.Errorf("%w: decoded pixel format %s", ErrUnsupported, name)
	}
	w, h := s.Size(p.Width(), p.Height())
	stride := w * s.format.BytesPerPixel()
	n := stride * h
	if cap(dst.Pix) < n {
		dst.Pix = make([]byte, n)
	}
	dst.Pix = dst.Pix[:n]
	avFmt := C.int(C.AV_PIX_FMT_GRAY8)
	if s.format == BGR {
		avFmt = C.AV_PIX_FMT_BGR24
	}
	res := C.pal_scale(s.s, p.f, (*C.uint8_t)(unsafe.Pointer(&dst.Pix[0])), C.int(stride), C.int(w), C.int(h), avFmt)
	if res < 0 {
		return avError("sws_scale", res)
	}
	if int(res) != h {
		return fmt.Errorf("h264dec: sws_scale wrote %d of %d rows", int(res), h)
	}
	dst.Format, dst.Width, dst.Height, dst.Stride = s.format, w, h, stride
	dst.PTS, dst.Seq, dst.Damaged, dst.Key = p.PTS(), p.seq, p.Damaged(), p.Key()
	return nil
}
