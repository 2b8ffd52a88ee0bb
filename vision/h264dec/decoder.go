package h264dec

// #cgo pkg-config: libavcodec libavutil libswscale
// #include <stdlib.h>
// #include <libavutil/error.h>
// #include "libav.h"
import "C"

import (
	"fmt"
	"sync"
	"time"
	"unsafe"
)

var (
	avEAGAIN       = C.pal_eagain
	avEOF          = C.pal_eof
	avInvalidData  = C.pal_invaliddata
	avPatchWelcome = C.pal_patchwelcome
	avENOSYS       = C.pal_enosys
)

// maxAccessUnit bounds one access unit (libavcodec takes an int size; no
// real camera frame comes near this).
const maxAccessUnit = 64 << 20

var quietOnce sync.Once

// Config shapes a Decoder.
type Config struct {
	// Width and Height are the analysis size DecodeFrame scales to. Both 0
	// keep the stream's size; one 0 keeps the stream's aspect ratio.
	Width, Height int
	// Format is the pixel layout DecodeFrame produces (Gray by default).
	Format PixelFormat
	// Threads is the number of decoding threads (0 means 1). More threads
	// use frame threading, which adds one frame of latency per thread; one
	// thread costs the least CPU per frame, and an appliance with many
	// cameras is parallel across cameras anyway.
	Threads int
}

// Validate reports a Config that New would reject.
func (c Config) Validate() error {
	if c.Width < 0 || c.Height < 0 || c.Width > 8192 || c.Height > 8192 {
		return fmt.Errorf("h264dec: analysis size %dx%d out of range 0..8192", c.Width, c.Height)
	}
	if c.Width%2 != 0 || c.Height%2 != 0 {
		return fmt.Errorf("h264dec: analysis size %dx%d must be even", c.Width, c.Height)
	}
	if !c.Format.valid() {
		return fmt.Errorf("h264dec: unknown pixel format %d", int(c.Format))
	}
	if c.Threads < 0 || c.Threads > 16 {
		return fmt.Errorf("h264dec: threads %d out of range 0..16", c.Threads)
	}
	return nil
}

// Decoder decodes one H.264 stream with libavcodec. Its methods must not be
// called concurrently; Pictures it returns may be used from any goroutine.
type Decoder struct {
	cfg    Config
	ctx    *C.AVCodecContext
	frame  *C.AVFrame // receives each picture before it moves to a Picture
	annexb []byte     // reused Annex-B assembly buffer
	scaler *Scaler    // for DecodeFrame, created on first use
	seq    uint64
	// Superseded counts pictures libavcodec returned together from one
	// packet of which only the last was handed out.
	superseded uint64
}

// New opens a decoder.
func New(cfg Config) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	quietOnce.Do(func() { C.pal_quiet() })
	threads := max(cfg.Threads, 1)
	d := &Decoder{cfg: cfg}
	if res := C.pal_open(&d.ctx, C.int(threads)); res < 0 {
		return nil, avError("avcodec_open2", res)
	}
	d.frame = C.av_frame_alloc()
	if d.frame == nil {
		C.avcodec_free_context(&d.ctx)
		return nil, avError("av_frame_alloc", C.pal_enomem)
	}
	return d, nil
}

// Close frees the decoder. Pictures already returned stay valid until
// released. Close is idempotent.
func (d *Decoder) Close() {
	if d.ctx == nil {
		return
	}
	C.av_frame_free(&d.frame)
	C.avcodec_free_context(&d.ctx)
	if d.scaler != nil {
		d.scaler.Close()
		d.scaler = nil
	}
}

// Decode feeds one access unit — NAL units without start codes, as an RTP
// depacketiser yields them — and returns the picture it completed, or nil
// when the decoder needs more input first (the first frames of a stream
// with B-frames, or parameter sets alone). pts is the access unit's
// presentation time; the picture carries the pts of its own access unit.
// The caller releases the returned picture.
//
// Decode never returns a picture and an error together. A picture with
// Damaged set comes with a nil error: libavcodec concealed the damage.
// Errors are ErrBadNALU and ErrEmpty for input refused before
// decoding, or an *AVError; after any error the decoder remains usable and
// recovers at the next key frame.
func (d *Decoder) Decode(au [][]byte, pts time.Duration) (*Picture, error) {
	if d.ctx == nil {
		return nil, ErrClosed
	}
	if len(au) == 0 {
		return nil, ErrEmpty
	}
	for i, n := range au {
		if err := checkNALU(n, i, len(au)); err != nil {
			return nil, err
		}
	}
	d.annexb = appendAnnexB(d.annexb[:0], au)
	return d.decode(d.annexb, pts)
}

// DecodeAnnexB is Decode for bytes in Annex-B form (start codes before each
// NAL unit), such as a chunk of an .h264 file holding one access unit.
func (d *Decoder) DecodeAnnexB(b []byte, pts time.Duration) (*Picture, error) {
	if d.ctx == nil {
		return nil, ErrClosed
	}
	units, err := SplitAnnexB(b)
	if err != nil {
		return nil, err
	}
	return d.Decode(units, pts)
}

// DecodeFrame decodes an access unit and, when it completes a picture,
// converts it into dst at the configured analysis size and format. It
// reports whether dst now holds a new frame.
func (d *Decoder) DecodeFrame(au [][]byte, pts time.Duration, dst *Frame) (bool, error) {
	p, err := d.Decode(au, pts)
	if p == nil {
		return false, err
	}
	defer p.Release()
	if d.scaler == nil {
		d.scaler = NewScaler(d.cfg.Width, d.cfg.Height, d.cfg.Format)
	}
	if err := d.scaler.Convert(p, dst); err != nil {
		return false, err
	}
	return true, nil
}

// Flush drains the pictures held back for reordering at the end of a
// stream, in output order; the caller releases them. The decoder accepts a
// new stream afterwards.
func (d *Decoder) Flush() ([]*Picture, error) {
	if d.ctx == nil {
		return nil, ErrClosed
	}
	if res := C.pal_flush(d.ctx); res < 0 && res != avEOF {
		return nil, avError("avcodec_send_packet", res)
	}
	var out []*Picture
	var err error
	for {
		var p *Picture
		p, err = d.receiveOne()
		if p == nil {
			break
		}
		out = append(out, p)
	}
	C.avcodec_flush_buffers(d.ctx)
	return out, err
}

// Superseded returns how many pictures were discarded because a single
// access unit completed more than one (only the last is returned).
func (d *Decoder) Superseded() uint64 { return d.superseded }

func (d *Decoder) decode(annexb []byte, pts time.Duration) (*Picture, error) {
	if len(annexb) > maxAccessUnit {
		return nil, fmt.Errorf("%w: access unit of %d bytes exceeds %d", ErrInvalidData, len(annexb), maxAccessUnit)
	}
	var pending *Picture
	res := d.send(annexb, pts)
	if res == avEAGAIN {
		// Not expected, since every call drains the decoder; drain and
		// retry once rather than lose the access unit.
		pending, _ = d.receive()
		res = d.send(annexb, pts)
	}
	if res < 0 {
		d.drop(pending)
		d.drop(d.receiveQuiet())
		return nil, avError("avcodec_send_packet", res)
	}
	p, err := d.receive()
	switch {
	case err != nil:
		d.drop(pending)
		return nil, err
	case p == nil:
		return pending, nil
	}
	d.drop(pending)
	return p, nil
}

func (d *Decoder) send(annexb []byte, pts time.Duration) C.int {
	return C.pal_send(d.ctx, (*C.uint8_t)(unsafe.Pointer(&annexb[0])), C.int(len(annexb)), C.int64_t(pts.Microseconds()))
}

// drop releases a picture that will not be handed out.
func (d *Decoder) drop(p *Picture) {
	if p != nil {
		p.Release()
		d.superseded++
	}
}

// receiveQuiet collects pictures completed by earlier input after a failed
// send; their errors add nothing to the send error.
func (d *Decoder) receiveQuiet() *Picture {
	p, _ := d.receive()
	return p
}

// receive collects every picture the decoder has ready and returns the
// last one.
func (d *Decoder) receive() (*Picture, error) {
	var last *Picture
	for {
		p, err := d.receiveOne()
		if err != nil {
			// Never a picture and an error together: the error wins.
			d.drop(last)
			return nil, err
		}
		if p == nil {
			return last, nil
		}
		d.drop(last)
		last = p
	}
}

// receiveOne returns the next ready picture, or nil when there is none.
func (d *Decoder) receiveOne() (*Picture, error) {
	res := C.avcodec_receive_frame(d.ctx, d.frame)
	if res == avEAGAIN || res == avEOF {
		return nil, nil
	}
	if res < 0 {
		return nil, avError("avcodec_receive_frame", res)
	}
	p, err := newPicture()
	if err != nil {
		C.av_frame_unref(d.frame)
		return nil, err
	}
	C.av_frame_move_ref(p.f, d.frame)
	d.seq++
	p.seq = d.seq
	p.load()
	return p, nil
}

func avError(op string, code C.int) error {
	var buf [128]C.char
	C.av_strerror(code, &buf[0], C.size_t(len(buf)))
	return &AVError{Op: op, Code: int(code), Msg: C.GoString(&buf[0])}
}

// cHeapInUse returns the bytes the C allocator has handed out; the leak
// tests watch it.
func cHeapInUse() int64 { return int64(C.pal_heap_in_use()) }
