package picture

import (
	"image"
	"sync"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// Pool recycles the RGBA pictures handed to a window: a fresh 8 MB buffer
// per 1080p frame costs tens of milliseconds on these machines, reusing
// one costs nothing. A window keeps at most the picture on screen and the
// one waiting, so a few buffers suffice. The zero Pool is ready; it is
// safe for concurrent use.
type Pool struct {
	mu   sync.Mutex
	free []*image.RGBA
}

// FromI420 converts pic into a recycled RGBA buffer; pic is only read
// during the call. release hands the buffer back once nothing draws from
// it any more; it must be called at most once.
func (p *Pool) FromI420(pic *vpx.I420) (img *image.RGBA, release func(), err error) {
	img = p.get(pic.Width, pic.Height)
	if err := vpx.I420ToRGBA(img, pic); err != nil {
		p.put(img)
		return nil, nil, err
	}
	return img, func() { p.put(img) }, nil
}

func (p *Pool) get(w, h int) *image.RGBA {
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

func (p *Pool) put(img *image.RGBA) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < 4 {
		p.free = append(p.free, img)
	}
}
