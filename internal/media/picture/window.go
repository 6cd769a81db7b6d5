package picture

import (
	"context"
	"image"
	"image/color"
	"log/slog"
	"sync"
	"time"

	"gioui.org/app"
	"gioui.org/op"
	"gioui.org/op/paint"
	"gioui.org/unit"

	"github.com/tandem-remote/tandem/internal/media/giowin"
	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// background is what the borders around the picture show.
var background = color.NRGBA{A: 0xff}

// Config configures a Window.
type Config struct {
	Title  string       // window title; empty means "Tandem"
	Logger *slog.Logger // nil discards
	// Width and Height are the window's initial size in Dp; 0 means
	// 1280×800.
	Width, Height int
}

// Stats counts what the window did with the pictures it was shown.
type Stats struct {
	Shown   uint64 // pictures passed to ShowI420
	Drawn   uint64 // pictures that reached the screen
	Dropped uint64 // pictures replaced by a newer one before being drawn
	Redraws uint64 // window frames drawn
}

// Window is one picture window. Its methods are safe for concurrent use;
// Run may be called once.
type Window struct {
	log  *slog.Logger
	win  *giowin.Window
	pool Pool

	mu     sync.Mutex
	next   *picture // newest picture not yet drawn
	stats  Stats
	placed placement // where the last window frame put things, for tests
}

// picture is one converted picture and how to give its buffer back.
type picture struct {
	img     *image.RGBA
	release func()
}

// placement is where a window frame put the picture, in window pixels.
type placement struct {
	view image.Point     // the window's size: all of it is the picture's
	dest image.Rectangle // the picture, scaled; the rest is borders
}

// New returns a window; Run opens it.
func New(cfg Config) *Window {
	if cfg.Title == "" {
		cfg.Title = "Tandem"
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		cfg.Width, cfg.Height = 1280, 800
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Window{
		log: log,
		win: giowin.New(app.Title(cfg.Title), app.Size(unit.Dp(cfg.Width), unit.Dp(cfg.Height))),
	}
}

// ShowI420 converts a decoded picture into a recycled buffer and makes it
// the one to draw next; pic is only read during the call. If the previous
// picture has not been drawn yet it is dropped. It fails only for a
// malformed picture.
func (w *Window) ShowI420(pic *vpx.I420) error {
	img, release, err := w.pool.FromI420(pic)
	if err != nil {
		return err
	}
	w.mu.Lock()
	old := w.next
	w.next = &picture{img: img, release: release}
	w.stats.Shown++
	if old != nil {
		w.stats.Dropped++
	}
	w.mu.Unlock()
	if old != nil {
		old.release()
	}
	w.win.Invalidate()
	return nil
}

// Stats returns the counters so far.
func (w *Window) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Run opens the window and serves it until ctx ends (it returns ctx's
// error) or the customer closes the window (it returns nil). A second
// call returns giowin.ErrRunning. Nothing it started keeps running.
func (w *Window) Run(ctx context.Context) error {
	d := &drawer{w: w, start: time.Now()}
	err := w.win.Run(ctx, giowin.Handler{Frame: d.frame})
	d.release()
	w.mu.Lock()
	next := w.next
	w.next = nil
	w.mu.Unlock()
	if next != nil {
		next.release()
	}
	return err
}

// drawer is the window goroutine's state; only that goroutine touches it.
type drawer struct {
	w     *Window
	start time.Time
	ops   op.Ops
	shown *picture // on screen
	img   paint.ImageOp
}

// frame draws one window frame: the newest picture, fitted, and the
// borders around it. No input handler is registered: clicks and keys over
// the window go nowhere.
func (d *drawer) frame(e app.FrameEvent) {
	w := d.w
	w.mu.Lock()
	next := w.next
	w.next = nil
	w.mu.Unlock()
	var old *picture
	if next != nil {
		old, d.shown = d.shown, next
		d.img = paint.NewImageOp(next.img)
	}
	gtx := app.NewContext(&d.ops, e)
	view := gtx.Constraints.Max
	var size image.Point
	if d.shown != nil {
		size = d.shown.img.Bounds().Size()
	}
	dest := Fit(view, size)
	Borders(gtx.Ops, view, dest, background)
	Paint(gtx.Ops, &d.img, size, dest)
	e.Frame(gtx.Ops) // renders, uploading the new picture's texture
	if old != nil {
		old.release()
	}
	d.account(next != nil, placement{view: view, dest: dest})
}

// account updates the statistics and the placement after a frame.
func (d *drawer) account(newPicture bool, p placement) {
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stats.Redraws++
	if newPicture {
		w.stats.Drawn++
	}
	w.placed = p
	if w.stats.Redraws == 1 {
		w.log.Info("picture window shown", "ms", time.Since(d.start).Milliseconds())
	}
}

// release lets go of the picture on screen.
func (d *drawer) release() {
	if d.shown != nil {
		d.shown.release()
		d.shown = nil
	}
}
