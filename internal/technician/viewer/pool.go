package viewer

import (
	"image"
	"sync"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// pool recycles the RGBA pictures handed to the viewer: a fresh 8 MB
// buffer per 1080p frame costs tens of milliseconds on these machines,
// reusing one costs nothing. The viewer keeps at most the frame on screen
// and the one waiting, so a few buffers suffice.
type pool struct {
	mu   sync.Mutex
	free []*image.RGBA
}

func (p *pool) get(w, h int) *image.RGBA {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.free) > 0 {
		img := p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		if img.Rect.Dx() == w && img.Rect.Dy() == h {
			return img
		}
	}
	return image.NewRGBA(image.Rect(0, 0, w, h))
}

func (p *pool) put(img *image.RGBA) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < 4 {
		p.free = append(p.free, img)
	}
}

// ShowI420 converts a decoded picture into a recycled RGBA buffer and
// shows it (see Show). pic is only read during the call.
func (v *Viewer) ShowI420(pic *vpx.I420, monitor int) error {
	img := v.pool.get(pic.Width, pic.Height)
	if err := vpx.I420ToRGBA(img, pic); err != nil {
		v.pool.put(img)
		return err
	}
	v.Show(Frame{Image: img, Monitor: monitor, Done: func() { v.pool.put(img) }})
	return nil
}
