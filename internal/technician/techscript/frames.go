package techscript

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// saveEvery spaces the PNG snapshots of the remote screen: PNG-encoding a
// 1080p picture takes tens of milliseconds, so not every frame is saved.
const saveEvery = 250 * time.Millisecond

// frameSaver writes snapshots of the received screen as PNG files:
// frame-000001.png … while the session runs, and last.png, the last
// picture received, when it ends. Files appear whole (written beside and
// renamed), so a script watching the directory never reads half a file.
type frameSaver struct {
	dir string
	log *slog.Logger

	mu    sync.Mutex
	pic   *vpx.I420 // latest picture, copied from the decoder
	fresh bool

	rgba *image.RGBA
	n    int
}

func newFrameSaver(dir string, log *slog.Logger) *frameSaver {
	return &frameSaver{dir: dir, log: log}
}

// offer keeps a copy of pic as the latest picture.
func (s *frameSaver) offer(pic *vpx.I420) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pic == nil || s.pic.Width != pic.Width || s.pic.Height != pic.Height {
		s.pic = vpx.NewI420(pic.Width, pic.Height)
	}
	copyPlane(s.pic.Y, s.pic.StrideY, pic.Y, pic.StrideY, pic.Width, pic.Height)
	cw, ch := (pic.Width+1)/2, (pic.Height+1)/2
	copyPlane(s.pic.U, s.pic.StrideUV, pic.U, pic.StrideUV, cw, ch)
	copyPlane(s.pic.V, s.pic.StrideUV, pic.V, pic.StrideUV, cw, ch)
	s.fresh = true
}

func copyPlane(dst []byte, dstStride int, src []byte, srcStride, w, h int) {
	for y := 0; y < h; y++ {
		copy(dst[y*dstStride:y*dstStride+w], src[y*srcStride:y*srcStride+w])
	}
}

// run saves a snapshot every saveEvery while new pictures arrive, and
// last.png when ctx ends.
func (s *frameSaver) run(ctx context.Context) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		s.log.Error("frames directory", "err", err)
		return
	}
	t := time.NewTicker(saveEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if s.render(true) {
				s.n++
				s.write(fmt.Sprintf("frame-%06d.png", s.n))
			}
		case <-ctx.Done():
			if s.render(false) {
				s.write("last.png")
			}
			return
		}
	}
}

// render converts the latest picture into s.rgba; onlyFresh skips it when
// nothing new arrived since the last render.
func (s *frameSaver) render(onlyFresh bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pic == nil || (onlyFresh && !s.fresh) {
		return false
	}
	if s.rgba == nil || s.rgba.Rect.Dx() != s.pic.Width || s.rgba.Rect.Dy() != s.pic.Height {
		s.rgba = image.NewRGBA(image.Rect(0, 0, s.pic.Width, s.pic.Height))
	}
	if err := vpx.I420ToRGBA(s.rgba, s.pic); err != nil {
		s.log.Warn("convert frame", "err", err)
		return false
	}
	s.fresh = false
	return true
}

func (s *frameSaver) write(name string) {
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, s.rgba); err != nil {
		s.log.Warn("encode png", "err", err)
		return
	}
	if err := certs.WriteFileAtomic(filepath.Join(s.dir, name), b.Bytes(), 0o644); err != nil {
		s.log.Warn("save frame", "err", err)
	}
}
