// Package h264dec decodes H.264 with libavcodec through cgo and converts
// pictures with libswscale to the frames analytics use: 8-bit gray or BGR,
// packed, at a configured analysis size.
//
// A Decoder takes access units — NAL units without start codes, as an RTP
// depacketiser yields them (Decode), or Annex-B bytes (DecodeAnnexB) — and
// returns reference-counted Pictures without copying pixels. A Scaler
// converts a Picture into a Frame only when someone wants it, so a stream
// can be decoded at 15 fps (P-frames need every picture) and converted at
// the analysis rate only. DecodeFrame does both in one call.
//
// Input no decoder should see (an empty or forbidden NAL unit, an RTP
// fragmentation unit left in, bytes that are not Annex-B) is refused with
// ErrBadNALU, ErrEmpty or ErrNotAnnexB before it reaches libavcodec, with
// the offending bytes in the message. libav's own failures come back as
// *AVError, matching ErrInvalidData or ErrUnsupported; pictures libavcodec
// concealed damage in have Damaged set. The decoder stays usable after any
// error and recovers at the next key frame.
//
// Requires pkg-config and the libavcodec, libavutil and libswscale
// development files (Debian: libavcodec-dev libswscale-dev). libav's log
// output is silenced process-wide when the first Decoder opens.
package h264dec
