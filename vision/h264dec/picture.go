package h264dec

// #include "libav.h"
import "C"

import (
	"runtime"
	"time"
)

// Picture is a decoded picture held by reference in libavcodec's buffer
// pool: no pixels are copied until a Scaler converts it. Release it when
// done; a Picture that is dropped without Release is freed by the garbage
// collector eventually, but the pool memory it pins meanwhile is invisible
// to the Go heap, so do not rely on that.
//
// A Picture may be read (converted, cloned) from several goroutines at
// once; Release must come after every other use.
type Picture struct {
	f       *C.AVFrame
	cleanup runtime.Cleanup
	seq     uint64
	info    C.pal_info
}

func newPicture() (*Picture, error) {
	f := C.av_frame_alloc()
	if f == nil {
		return nil, avError("av_frame_alloc", C.pal_enomem)
	}
	p := &Picture{f: f}
	p.cleanup = runtime.AddCleanup(p, freeFrame, f)
	return p, nil
}

func freeFrame(f *C.AVFrame) { C.av_frame_free(&f) }

func (p *Picture) load() { C.pal_picture_info(p.f, &p.info) }

// Width returns the picture's width in pixels.
func (p *Picture) Width() int { return int(p.info.width) }

// Height returns the picture's height in pixels.
func (p *Picture) Height() int { return int(p.info.height) }

// PTS returns the presentation time of the access unit the picture came
// from.
func (p *Picture) PTS() time.Duration { return time.Duration(p.info.pts) * time.Microsecond }

// Seq numbers the decoder's pictures in output order from 1.
func (p *Picture) Seq() uint64 { return p.seq }

// Damaged reports that libavcodec concealed errors in this picture.
func (p *Picture) Damaged() bool { return p.info.damaged != 0 }

// Key reports a picture decoded from an IDR access unit.
func (p *Picture) Key() bool { return p.info.key != 0 }

// Clone returns a second reference to the same pixels, to be released on
// its own.
func (p *Picture) Clone() (*Picture, error) {
	if p.f == nil {
		return nil, ErrClosed
	}
	q, err := newPicture()
	if err != nil {
		return nil, err
	}
	if res := C.av_frame_ref(q.f, p.f); res < 0 {
		q.Release()
		return nil, avError("av_frame_ref", res)
	}
	q.seq, q.info = p.seq, p.info
	return q, nil
}

// Release drops the reference. The Picture must not be used afterwards;
// a second Release does nothing.
func (p *Picture) Release() {
	if p == nil || p.f == nil {
		return
	}
	p.cleanup.Stop()
	C.av_frame_free(&p.f)
}
