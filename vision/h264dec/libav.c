#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <libavutil/error.h>
#include <libavutil/log.h>

#include "libav.h"

const int pal_eagain = AVERROR(EAGAIN);
const int pal_eof = AVERROR_EOF;
const int pal_enomem = AVERROR(ENOMEM);
const int pal_einval = AVERROR(EINVAL);
const int pal_invaliddata = AVERROR_INVALIDDATA;
const int pal_patchwelcome = AVERROR_PATCHWELCOME;
const int pal_enosys = AVERROR(ENOSYS);

void pal_quiet(void) {
	av_log_set_level(AV_LOG_QUIET);
}

int pal_open(AVCodecContext **out, int threads) {
	*out = NULL;
	const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
	if (codec == NULL) {
		return AVERROR_DECODER_NOT_FOUND;
	}
	AVCodecContext *ctx = avcodec_alloc_context3(codec);
	if (ctx == NULL) {
		return AVERROR(ENOMEM);
	}
	ctx->pkt_timebase = (AVRational){1, 1000000};
	ctx->thread_count = threads;
	// Frame threading adds a frame of latency per thread; slices cost
	// nothing when the stream has one slice a frame.
	ctx->thread_type = threads > 1 ? FF_THREAD_FRAME | FF_THREAD_SLICE : 0;
	int res = avcodec_open2(ctx, codec, NULL);
	if (res < 0) {
		avcodec_free_context(&ctx);
		return res;
	}
	*out = ctx;
	return 0;
}

int pal_send(AVCodecContext *ctx, const uint8_t *data, int size, int64_t pts) {
	AVPacket *pkt = av_packet_alloc();
	if (pkt == NULL) {
		return AVERROR(ENOMEM);
	}
	// av_new_packet pads with AV_INPUT_BUFFER_PADDING_SIZE zeroed bytes,
	// which the bitstream reader needs; a bare Go slice has none.
	int res = av_new_packet(pkt, size);
	if (res < 0) {
		av_packet_free(&pkt);
		return res;
	}
	memcpy(pkt->data, data, size);
	pkt->pts = pts;
	pkt->dts = AV_NOPTS_VALUE;
	res = avcodec_send_packet(ctx, pkt);
	av_packet_free(&pkt);
	return res;
}

int pal_flush(AVCodecContext *ctx) {
	return avcodec_send_packet(ctx, NULL);
}

void pal_picture_info(const AVFrame *f, pal_info *out) {
	out->width = f->width;
	out->height = f->height;
	out->format = f->format;
	out->pts = f->best_effort_timestamp;
	out->damaged = f->decode_error_flags != 0 || (f->flags & AV_FRAME_FLAG_CORRUPT) != 0;
	out->key = f->key_frame;
}

int pal_scale(pal_scaler *s, const AVFrame *src,
	uint8_t *dst, int stride, int dst_w, int dst_h, int dst_fmt) {
	// Honour the stream's matrix and range (BT.709 on most HD cameras,
	// full range for yuvj formats); the output is always full range.
	int full = src->color_range == AVCOL_RANGE_JPEG ||
		src->format == AV_PIX_FMT_YUVJ420P ||
		src->format == AV_PIX_FMT_YUVJ422P ||
		src->format == AV_PIX_FMT_YUVJ444P;
	int cs = src->colorspace;
	if (cs < 0 || cs > 10) {
		cs = SWS_CS_DEFAULT;
	}
	if (s->sws == NULL || s->src_w != src->width || s->src_h != src->height ||
		s->src_fmt != src->format || s->cs != cs || s->full != full ||
		s->dst_w != dst_w || s->dst_h != dst_h || s->dst_fmt != dst_fmt) {
		struct SwsContext *c = sws_getCachedContext(s->sws,
			src->width, src->height, src->format,
			dst_w, dst_h, dst_fmt, SWS_BILINEAR, NULL, NULL, NULL);
		if (c == NULL) {
			return AVERROR(EINVAL);
		}
		s->sws = c;
		sws_setColorspaceDetails(c, sws_getCoefficients(cs), full,
			sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
		s->src_w = src->width;
		s->src_h = src->height;
		s->src_fmt = src->format;
		s->cs = cs;
		s->full = full;
		s->dst_w = dst_w;
		s->dst_h = dst_h;
		s->dst_fmt = dst_fmt;
	}
	uint8_t *planes[4] = {dst, NULL, NULL, NULL};
	int strides[4] = {stride, 0, 0, 0};
	return sws_scale(s->sws, (const uint8_t *const *)src->data, src->linesize,
		0, src->height, planes, strides);
}

void pal_scaler_free(pal_scaler *s) {
	sws_freeContext(s->sws);
	s->sws = NULL;
}

int pal_supported_input(int fmt) {
	return sws_isSupportedInput(fmt);
}

int64_t pal_heap_in_use(void) {
	struct mallinfo2 mi = mallinfo2();
	return (int64_t)(mi.uordblks + mi.hblkhd);
}
