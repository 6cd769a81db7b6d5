// tandem_vpx.h declares the small C layer between Go and libvpx/libyuv.
// Everything cgo calls is declared here and defined in tandem_vpx.c, so the
// Go files only include this header.
#ifndef TANDEM_VPX_H
#define TANDEM_VPX_H

#include <stddef.h>
#include <stdint.h>

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include <libyuv/convert_argb.h>
#include <libyuv/convert_from_argb.h>

// tv_enc_params mirrors the Go Config after defaults are applied.
typedef struct {
  int vp9;
  int width, height;
  int kbps, fps, threads, cpu_used, kf_max;
} tv_enc_params;

// tv_enc owns one libvpx encoder. The output fields describe the packet most
// recently returned by tv_enc_next; they point into libvpx's own buffer.
typedef struct {
  vpx_codec_ctx_t ctx;
  vpx_codec_enc_cfg_t cfg;
  vpx_image_t img;
  vpx_codec_iter_t iter;
  int inited;
  const char *op;  // the step that failed, for error messages

  const uint8_t *pkt_buf;
  size_t pkt_size;
  int pkt_key;
} tv_enc;

tv_enc *tv_enc_new(void);
vpx_codec_err_t tv_enc_init(tv_enc *e, const tv_enc_params *p);
vpx_codec_err_t tv_enc_encode(tv_enc *e, uint8_t *y, uint8_t *u, uint8_t *v,
                              int stride_y, int stride_uv, int64_t pts,
                              unsigned long duration, int force_key);
int tv_enc_next(tv_enc *e);
vpx_codec_err_t tv_enc_set_bitrate(tv_enc *e, int kbps);
void tv_enc_free(tv_enc *e);

// tv_dec owns one libvpx decoder; img is the frame the last tv_dec_decode
// produced (NULL when the packet completed no visible frame).
typedef struct {
  vpx_codec_ctx_t ctx;
  vpx_image_t *img;
  int inited;
  const char *op;
} tv_dec;

tv_dec *tv_dec_new(void);
vpx_codec_err_t tv_dec_init(tv_dec *d, int vp9, int threads);
vpx_codec_err_t tv_dec_decode(tv_dec *d, const uint8_t *data, size_t size);
void tv_dec_free(tv_dec *d);

#endif
