package viewer

import (
	"image"
	"log/slog"
	"slices"
	"sync"
	"time"

	"gioui.org/app"
	"gioui.org/unit"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/giowin"
	"github.com/tandem-remote/tandem/internal/media/picture"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Frame is one decoded picture of a remote monitor.
type Frame struct {
	// Image is the picture. Show takes ownership: the caller must not
	// write to it until Done is called.
	Image *image.RGBA
	// Monitor is the remote monitor the picture shows; pointer events over
	// it carry this number.
	Monitor int
	// Seq numbers frames for statistics; it is not interpreted.
	Seq uint64
	// Done, if not nil, is called once the viewer no longer needs Image
	// (it was replaced before being drawn, or a newer frame is on screen),
	// so that the caller can reuse the buffer. It must not block.
	Done func()
	// Presented, if not nil, is called once with the time the window
	// frame that draws the picture was submitted (right after Gio's
	// FrameEvent.Frame returns), from the window's goroutine; it is not
	// called for a picture replaced before being drawn. It serves
	// latency figures (capture → presented) and must not block.
	Presented func(at time.Time)
}

// Status is what the status line and the monitor buttons show.
type Status struct {
	Path  string  // how the session is carried, e.g. "direct udp host→host" or "relayed turn/tls"
	RTTms float64 // round-trip time in milliseconds
	FPS   float64 // frames received per second
	Kbps  float64 // video bitrate in kbit/s
	Peer  string  // who is on the other side, e.g. the agent's ID
	// Screen is the agent's monitors and the one shared, as the agent
	// described them: a button for all of them and one for each.
	Screen proto.ScreenInfo
	// Customer says what the customer allows now, e.g. "customer:
	// viewing only" or "paused by the customer"; shown last.
	Customer string
}

// Config configures a Viewer.
type Config struct {
	Title  string       // window title; empty means "Tandem"
	Logger *slog.Logger // nil discards
	// Width and Height are the window's initial size in Dp; 0 means
	// 1280×800.
	Width, Height int
}

// Stats counts what the viewer did with the frames it was shown.
type Stats struct {
	Shown   uint64        // frames passed to Show
	Drawn   uint64        // frames that reached the screen
	Dropped uint64        // frames replaced by a newer one before being drawn
	Redraws uint64        // window frames drawn (new pictures, resizes, toolbar)
	Render  time.Duration // time spent rendering window frames, texture uploads included
	Opened  time.Duration // from Run to the first drawn window frame
	Windows int           // native windows Gio created for Run: 1 (see giowin.Window.Views)
}

// inputBuffer is how many input events may wait for the reader. A
// technician produces a few hundred a second at most; the reader is the
// data channel.
const inputBuffer = 1024

// Viewer is one viewer window. Its methods are safe for concurrent use; Run
// may be called once.
type Viewer struct {
	cfg     Config
	log     *slog.Logger
	inputs  chan input.Event
	actions chan Action
	win     *giowin.Window

	mu       sync.Mutex
	next     *Frame // newest frame not yet drawn
	status   Status
	viewOnly bool
	clip     *string // text to put on the local clipboard
	waiting  Waiting // the code the customer has yet to use
	stats    Stats
	layout   layoutInfo // where things were last drawn, for tests
	cursor   cursorState
	pool     picture.Pool // RGBA buffers for ShowI420
	chat     []ChatLine
	chatSeq  uint64
	// transfers are the files pane's lines; filesSeq counts new ones.
	transfers []Transfer
	filesSeq  uint64
	offers    []Offer // the customer's files waiting for an answer
}

// New returns a viewer; Run opens its window.
func New(cfg Config) *Viewer {
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
	return &Viewer{
		cfg:     cfg,
		log:     log,
		win:     giowin.New(app.Title(cfg.Title), app.Size(unit.Dp(cfg.Width), unit.Dp(cfg.Height))),
		inputs:  make(chan input.Event, inputBuffer),
		actions: make(chan Action, 64),
	}
}

// Input returns the technician's keyboard and mouse as wire events. It
// delivers nothing in view-only mode, and is closed when Run returns.
func (v *Viewer) Input() <-chan input.Event { return v.inputs }

// Actions returns what the technician asked for on the toolbar. It is
// closed when Run returns.
func (v *Viewer) Actions() <-chan Action { return v.actions }

// Show makes f the picture to draw next. Only the newest frame is kept: if
// the previous one has not been drawn yet it is dropped (and its Done
// called).
func (v *Viewer) Show(f Frame) {
	if f.Image == nil {
		return
	}
	v.mu.Lock()
	old := v.next
	v.next = &f
	v.stats.Shown++
	if old != nil {
		v.stats.Dropped++
	}
	v.mu.Unlock()
	if old != nil && old.Done != nil {
		old.Done()
	}
	v.win.Invalidate()
}

// SetStatus replaces what the status line and monitor buttons show.
func (v *Viewer) SetStatus(s Status) {
	s.Screen.Monitors = slices.Clone(s.Screen.Monitors)
	v.mu.Lock()
	v.status = s
	v.mu.Unlock()
	v.invalidate()
}

// SetViewOnly switches view-only mode, in which no input is sent. The
// toolbar's toggle also switches it (and reports an ActionViewOnly); the
// session calls SetViewOnly when the customer's grant changes.
func (v *Viewer) SetViewOnly(on bool) {
	v.mu.Lock()
	v.viewOnly = on
	v.mu.Unlock()
	v.invalidate()
}

// SetClipboard puts text on the technician's clipboard, for instance the
// answer to an ActionGetClipboard.
func (v *Viewer) SetClipboard(text string) {
	v.mu.Lock()
	v.clip = &text
	v.mu.Unlock()
	v.invalidate()
}

// Controls returns where the window's controls were last drawn, in window
// pixels, by name: the toolbar's buttons ("files", "chat", "disconnect",
// …), the files pane's fields and buttons when it is open, "chat-pane"
// when the chat is (its text field is its last line), the code card's
// parts while it waits for the customer (giowin.NameCode, NameLink,
// NameCopy, NameExpires), and "screen" for
// the remote screen's viewport; and
// which text field has the keyboard ("" for the remote screen). It serves
// automation: accessibility tools and end-to-end tests that click with
// the real pointer.
func (v *Viewer) Controls() (controls map[string]image.Rectangle, editing string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	l := v.layout
	controls = l.Clone().Rects
	controls["screen"] = l.screen
	if !l.chat.Empty() {
		controls["chat-pane"] = l.chat
	}
	return controls, l.Editing
}

// Texts returns every text the last window frame drew, in order: the
// toolbar's labels, the code card's while it is shown, the status line.
// It serves automation and tests.
func (v *Viewer) Texts() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.layout.Texts)
}

// Stats returns the frame counters so far.
func (v *Viewer) Stats() Stats {
	v.mu.Lock()
	st := v.stats
	v.mu.Unlock()
	st.Windows = v.win.Views()
	return st
}

func (v *Viewer) invalidate() { v.win.Invalidate() }
