// tandem_vpx.c is the C half of package vpx: encoder and decoder setup for
// realtime screen content, and packet iteration without Go allocations.
#include "tandem_vpx.h"

#include <stdlib.h>
#include <string.h>

tv_enc *tv_enc_new(void) { return calloc(1, sizeof(tv_enc)); }

// ctl applies one codec control and records its name when it fails.
#define CTL(e, id, val)                                      \
  do {                                                       \
    vpx_codec_err_t r_ = vpx_codec_control(&(e)->ctx, id, val); \
    if (r_ != VPX_CODEC_OK) {                                \
      (e)->op = "control " #id;                              \
      return r_;                                             \
    }                                                        \
  } while (0)

static int log2_floor(int n) {
  int l = 0;
  while ((2 << l) <= n) l++;
  return l;
}

static void realtime_config(vpx_codec_enc_cfg_t *c, const tv_enc_params *p) {
  c->g_w = p->width;
  c->g_h = p->height;
  c->g_threads = p->threads;
  c->g_timebase.num = 1;  // pts and durations in 90 kHz RTP ticks
  c->g_timebase.den = 90000;
  c->g_pass = VPX_RC_ONE_PASS;
  c->g_lag_in_frames = 0;  // no lookahead: every input frame is output now
  c->g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  c->rc_end_usage = VPX_CBR;
  c->rc_target_bitrate = p->kbps;
  // Never drop: a damage-driven sender has no next frame to make up for a
  // dropped one, and with dropping on, live scrolling fell into a spiral
  // (94-97 % of frames dropped, 1 fps) in half of the benchmark runs. Over
  // budget, rate control raises the quantizer instead.
  c->rc_dropframe_thresh = 0;
  c->rc_resize_allowed = 0;     // text must stay sharp
  c->rc_min_quantizer = p->vp9 ? 4 : 2;
  c->rc_max_quantizer = 56;
  c->rc_undershoot_pct = p->vp9 ? 50 : 100;
  c->rc_overshoot_pct = p->vp9 ? 50 : 15;
  // Small decoder buffer model (milliseconds): rate control reacts within
  // a fraction of a second, which keeps queueing delay low.
  c->rc_buf_initial_sz = 500;
  c->rc_buf_optimal_sz = 600;
  c->rc_buf_sz = 1000;
  c->kf_mode = VPX_KF_AUTO;
  c->kf_min_dist = 0;
  c->kf_max_dist = p->kf_max;
}

static vpx_codec_err_t controls(tv_enc *e, const tv_enc_params *p) {
  CTL(e, VP8E_SET_CPUUSED, p->cpu_used);
  // A 16x16 block whose prediction error (SSE) stays under 400 - a mean
  // squared error below 1.6 per pixel, invisible - is skipped. Without it a
  // static VP8 screen keeps spending ~6 KB a frame refining noise; with it
  // ~0.8 KB. Any pixel that changes by 20 levels is still coded.
  CTL(e, VP8E_SET_STATIC_THRESHOLD, 400u);
  // Cap keyframes at 0.5 * optimal buffer, as a percentage of a frame.
  CTL(e, VP8E_SET_MAX_INTRA_BITRATE_PCT, (unsigned)(p->fps * 600 / 20));
  if (!p->vp9) {
    CTL(e, VP8E_SET_SCREEN_CONTENT_MODE, 1u);
    CTL(e, VP8E_SET_NOISE_SENSITIVITY, 0u);
    return VPX_CODEC_OK;
  }
  CTL(e, VP9E_SET_TUNE_CONTENT, (int)VP9E_CONTENT_SCREEN);
  CTL(e, VP9E_SET_ROW_MT, 1u);
  CTL(e, VP9E_SET_TILE_COLUMNS, log2_floor(p->threads));
  CTL(e, VP9E_SET_AQ_MODE, 3u);  // cyclic refresh: static areas sharpen
  CTL(e, VP9E_SET_NOISE_SENSITIVITY, 0u);
  return VPX_CODEC_OK;
}

vpx_codec_err_t tv_enc_init(tv_enc *e, const tv_enc_params *p) {
  vpx_codec_iface_t *iface = p->vp9 ? vpx_codec_vp9_cx() : vpx_codec_vp8_cx();
  vpx_codec_err_t r = vpx_codec_enc_config_default(iface, &e->cfg, 0);
  if (r != VPX_CODEC_OK) {
    e->op = "default config";
    return r;
  }
  realtime_config(&e->cfg, p);
  r = vpx_codec_enc_init(&e->ctx, iface, &e->cfg, 0);
  if (r != VPX_CODEC_OK) {
    e->op = "init";
    return r;
  }
  e->inited = 1;
  // The image header only describes the frame; its planes are pointed at
  // the caller's I420 on every encode. Any non-NULL pointer stops
  // vpx_img_wrap from allocating.
  static unsigned char placeholder[1];
  vpx_img_wrap(&e->img, VPX_IMG_FMT_I420, p->width, p->height, 1, placeholder);
  return controls(e, p);
}

// tv_enc_encode hands one frame to libvpx. libvpx copies the planes into its
// own buffers before returning (no lag), so Go memory is not retained.
vpx_codec_err_t tv_enc_encode(tv_enc *e, uint8_t *y, uint8_t *u, uint8_t *v,
                              int stride_y, int stride_uv, int64_t pts,
                              unsigned long duration, int force_key) {
  e->img.planes[VPX_PLANE_Y] = y;
  e->img.planes[VPX_PLANE_U] = u;
  e->img.planes[VPX_PLANE_V] = v;
  e->img.stride[VPX_PLANE_Y] = stride_y;
  e->img.stride[VPX_PLANE_U] = stride_uv;
  e->img.stride[VPX_PLANE_V] = stride_uv;
  e->iter = NULL;
  e->op = "encode";
  vpx_enc_frame_flags_t flags = force_key ? VPX_EFLAG_FORCE_KF : 0;
  return vpx_codec_encode(&e->ctx, &e->img, pts, duration, flags,
                          VPX_DL_REALTIME);
}

// tv_enc_next moves to the next compressed frame packet of the last encode;
// it returns 0 when there are no more.
int tv_enc_next(tv_enc *e) {
  const vpx_codec_cx_pkt_t *pkt;
  while ((pkt = vpx_codec_get_cx_data(&e->ctx, &e->iter)) != NULL) {
    if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
    e->pkt_buf = pkt->data.frame.buf;
    e->pkt_size = pkt->data.frame.sz;
    e->pkt_key = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
    return 1;
  }
  e->pkt_buf = NULL;
  e->pkt_size = 0;
  return 0;
}

vpx_codec_err_t tv_enc_set_bitrate(tv_enc *e, int kbps) {
  e->cfg.rc_target_bitrate = kbps;
  e->op = "set bitrate";
  return vpx_codec_enc_config_set(&e->ctx, &e->cfg);
}

void tv_enc_free(tv_enc *e) {
  if (e == NULL) return;
  if (e->inited) vpx_codec_destroy(&e->ctx);
  free(e);
}

tv_dec *tv_dec_new(void) { return calloc(1, sizeof(tv_dec)); }

vpx_codec_err_t tv_dec_init(tv_dec *d, int vp9, int threads) {
  vpx_codec_iface_t *iface = vp9 ? vpx_codec_vp9_dx() : vpx_codec_vp8_dx();
  vpx_codec_dec_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.threads = threads;
  d->op = "decoder init";
  vpx_codec_err_t r = vpx_codec_dec_init(&d->ctx, iface, &cfg, 0);
  if (r == VPX_CODEC_OK) d->inited = 1;
  return r;
}

// tv_dec_decode decodes one packet and keeps the last frame it completed.
// The decoder reads the packet only during the call.
vpx_codec_err_t tv_dec_decode(tv_dec *d, const uint8_t *data, size_t size) {
  d->img = NULL;
  d->op = "decode";
  vpx_codec_err_t r = vpx_codec_decode(&d->ctx, data, (unsigned int)size, NULL, 0);
  if (r != VPX_CODEC_OK) return r;
  vpx_codec_iter_t iter = NULL;
  vpx_image_t *img;
  while ((img = vpx_codec_get_frame(&d->ctx, &iter)) != NULL) d->img = img;
  return VPX_CODEC_OK;
}

void tv_dec_free(tv_dec *d) {
  if (d == NULL) return;
  if (d->inited) vpx_codec_destroy(&d->ctx);
  free(d);
}
