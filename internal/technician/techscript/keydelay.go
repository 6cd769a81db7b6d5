package techscript

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/vpx"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
)

// The key-delay probe (-key-delay) presses X on the remote keyboard, one
// press at a time, and times each from sending the key to the first
// decoded picture that shows a change: on a still screen with a text field
// in focus (a terminal) that is the whole loop a technician feels when
// typing, the key to the agent, its injection, the capture, the encoding
// and the video back. The agent sends nothing while its screen is still,
// so the first change after a press is the press's; a picture that changes
// nothing (a window on the agent drawn again the same) is no change.
const (
	keyQuiet   = 300 * time.Millisecond // no change for this long before a press: the last one has arrived
	keyGap     = 500 * time.Millisecond // after a press showed, before waiting for quiet again
	keyTimeout = 3 * time.Second        // a press not shown by then is recorded as not shown
	keyPoll    = 20 * time.Millisecond  // how often the quiet is checked
	// A pixel changed when its luma moved by keyStep or more: a key's
	// glyph and the moved cursor change a hundred pixels or more by most
	// of the range, where a keyframe of the same picture (asked for after
	// a loss) moves none this far. keyPixels such pixels make a change.
	keyStep   = 64
	keyPixels = 16
)

// KeyDelay is one press in the -key-delay file (one JSON object a line).
type KeyDelay struct {
	Key   int       `json:"key"` // 1, 2, …
	Sent  time.Time `json:"sent"`
	Shown bool      `json:"shown"` // a changed picture arrived within keyTimeout
	// DelayMS is from Sent to the first decoded picture showing the
	// change; Pixels is how many pixels that picture changed.
	DelayMS float64 `json:"delay_ms,omitempty"`
	Pixels  int     `json:"pixels,omitempty"`
}

// keyProbe runs the presses and watches the decoded pictures.
type keyProbe struct {
	path string
	log  *slog.Logger

	mu   sync.Mutex
	luma []byte // the latest picture's luma, width×height
	w, h int
	// changedAt is when the picture last changed: frames that change
	// nothing (a window on the agent redrawn the same) leave it.
	changedAt time.Time
	ref       []byte // the luma when the waiting press went; nil when none waits
	shown     chan shownAt
}

type shownAt struct {
	at     time.Time
	pixels int
}

func newKeyProbe(path string, log *slog.Logger) *keyProbe {
	return &keyProbe{path: path, log: log, shown: make(chan shownAt, 1)}
}

// frame keeps pic's luma and, when a press waits, compares it with the
// picture the press started from. It runs on the decoder's goroutine:
// a copy and a compare of one plane, well under a millisecond at 1080p.
func (p *keyProbe) frame(pic *vpx.I420) {
	if pic == nil {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if pic.Width != p.w || pic.Height != p.h {
		p.w, p.h, p.luma, p.ref = pic.Width, pic.Height, make([]byte, pic.Width*pic.Height), nil
		p.changedAt = now
	}
	moved := 0 // pixels changed since the previous picture
	for y := range p.h {
		row, src := p.luma[y*p.w:(y+1)*p.w], pic.Y[y*pic.StrideY:y*pic.StrideY+p.w]
		moved += changedPixels(row, src)
		copy(row, src)
	}
	if moved >= keyPixels {
		p.changedAt = now
	}
	if p.ref == nil {
		return
	}
	if n := changedPixels(p.ref, p.luma); n >= keyPixels {
		p.ref = nil
		p.shown <- shownAt{now, n} // room: one press waits at a time
	}
}

// changedPixels counts the pixels whose luma moved by keyStep or more.
func changedPixels(a, b []byte) int {
	n := 0
	for i := range a {
		if d := int(a[i]) - int(b[i]); d >= keyStep || d <= -keyStep {
			n++
		}
	}
	return n
}

// run presses X until ctx ends (first frame already shown), appending a
// KeyDelay line to the file for each press.
func (p *keyProbe) run(ctx context.Context, s *techsession.Session) {
	f, err := os.Create(p.path)
	if err != nil {
		p.log.Error("key delay file", "err", err)
		return
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	press, _ := input.Chord("KeyX")
	for key := 1; ; key++ {
		if !p.waitQuiet(ctx) {
			return
		}
		d, ok := p.press(ctx, s, key, press)
		if !ok {
			return
		}
		if err := enc.Encode(d); err != nil {
			p.log.Warn("key delay file", "err", err)
		}
		if !sleep(ctx, keyGap) {
			return
		}
	}
}

// press sends one key press and waits for the picture that shows it.
func (p *keyProbe) press(ctx context.Context, s *techsession.Session, key int, evs []input.Event) (KeyDelay, bool) {
	p.mu.Lock()
	p.ref = append([]byte(nil), p.luma...)
	p.mu.Unlock()
	d := KeyDelay{Key: key, Sent: time.Now()}
	for _, ev := range evs {
		if !s.Input(ev) {
			return d, false
		}
	}
	timeout := time.NewTimer(keyTimeout)
	defer timeout.Stop()
	select {
	case sh := <-p.shown:
		d.Shown, d.DelayMS, d.Pixels = true, float64(sh.at.Sub(d.Sent).Microseconds())/1000, sh.pixels
	case <-timeout.C:
		p.mu.Lock()
		p.ref = nil
		p.mu.Unlock()
		select { // shown as the timer fired
		case <-p.shown:
		default:
		}
	case <-ctx.Done():
		return d, false
	}
	return d, true
}

// waitQuiet waits until the picture has not changed for keyQuiet.
func (p *keyProbe) waitQuiet(ctx context.Context) bool {
	t := time.NewTicker(keyPoll)
	defer t.Stop()
	for {
		p.mu.Lock()
		quiet := p.luma != nil && time.Since(p.changedAt) >= keyQuiet
		p.mu.Unlock()
		if quiet {
			return true
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
