// C glue between the Go decoder and libavcodec/libswscale. Each function
// does a whole step in one cgo call and never keeps a pointer it was given.

#ifndef PALISADE_H264DEC_LIBAV_H
#define PALISADE_H264DEC_LIBAV_H

#include <stdint.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>

// Error codes that are macros with arguments in libavutil, as constants.
extern const int pal_eagain;
extern const int pal_eof;
extern const int pal_enomem;
extern const int pal_einval;
extern const int pal_invaliddata;
extern const int pal_patchwelcome;
extern const int pal_enosys;

// pal_quiet silences libav's own logging (errors reach Go as return codes).
void pal_quiet(void);

// pal_open allocates and opens an H.264 decoder. It returns 0 or an AVERROR
// and leaves *out NULL on failure.
int pal_open(AVCodecContext **out, int threads);

// pal_send copies size bytes of Annex-B data into a padded packet and sends
// it to the decoder. pts is in microseconds.
int pal_send(AVCodecContext *ctx, const uint8_t *data, int size, int64_t pts);

// pal_flush signals end of stream.
int pal_flush(AVCodecContext *ctx);

// pal_picture_info copies the facts the Go side reads about a decoded frame.
typedef struct {
	int width, height, format;
	int64_t pts;
	int damaged, key;
} pal_info;
void pal_picture_info(const AVFrame *f, pal_info *out);

// pal_scaler is a swscale context with the geometry and colour facts it was
// set up for, so that it is rebuilt only when they change.
typedef struct {
	struct SwsContext *sws;
	int src_w, src_h, src_fmt, cs, full;
	int dst_w, dst_h, dst_fmt;
} pal_scaler;

// pal_scale converts src into one packed plane at dst (stride bytes a row,
// dst_w x dst_h, format dst_fmt). It returns the number of rows written or
// an AVERROR.
int pal_scale(pal_scaler *s, const AVFrame *src,
	uint8_t *dst, int stride, int dst_w, int dst_h, int dst_fmt);

// pal_scaler_free frees the swscale context (not s itself).
void pal_scaler_free(pal_scaler *s);

// pal_supported_input tells whether swscale can read the pixel format.
int pal_supported_input(int fmt);

// pal_heap_in_use reports the bytes malloc has handed out (mallinfo2), for
// the leak tests.
int64_t pal_heap_in_use(void);

#endif
