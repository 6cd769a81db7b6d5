package viewer

import (
	"image"
	"slices"
	"time"

	"gioui.org/app"
	"gioui.org/f32"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/giowin"
	"github.com/tandem-remote/tandem/internal/media/picture"
)

// layoutInfo records where the last window frame put things, in window
// pixels, so that tests can click buttons and aim at the remote screen.
// Its Record names the buttons and the files pane's parts, and the text
// field that has the keyboard: "chat", fileSendPath, fileFetchPath or none.
type layoutInfo struct {
	giowin.Record
	screen image.Rectangle // the viewport the remote screen is drawn in
	chat   image.Rectangle // the chat pane, its text field last; empty when closed
	files  image.Rectangle // the files pane; empty when closed (its parts are in Rects)
	geom   geometry
	cursor bool // the remote pointer was drawn
}

// ui is the window goroutine's state; only that goroutine touches it.
type ui struct {
	v     *Viewer
	start time.Time
	th    *material.Theme
	tb    *toolbar
	kb    *keyboard
	ops   op.Ops
	tag   *int // the remote screen's input handler

	mode       Mode
	scroll     image.Point
	hbar, vbar widget.Scrollbar

	shown    *Frame // frame on screen
	cur      uiCursor
	img      paint.ImageOp
	geom     geometry
	buttons  uint8 // pointer buttons held, as a Gio pointer.Buttons
	lastMove input.Event
	wheel    f32.Point // scrolling this frame
	viewOnly bool
	focused  bool
	redraws  uint64
	chat     chatPane
	files    filesPane
	reclaim  bool // a click on the screen takes the keyboard back from the chat
	card     giowin.CodeCard
}

func newUI(v *Viewer, start time.Time) *ui {
	th := giowin.Theme(pal)
	u := &ui{v: v, start: start, th: th, tb: newToolbar(th), tag: new(int), chat: newChatPane(), files: newFilesPane()}
	u.kb = newKeyboard(u.send)
	return u
}

// snapshot is the viewer's shared state, copied once per window frame.
type snapshot struct {
	next     *Frame
	status   Status
	viewOnly bool
	clip     *string
	chat     []ChatLine
	chatSeq  uint64
	files    []Transfer
	filesSeq uint64
	cursor   CursorPos
	shape    CursorShape
	hasCur   bool
	waiting  Waiting
}

func (u *ui) snapshot() snapshot {
	v := u.v
	v.mu.Lock()
	defer v.mu.Unlock()
	s := snapshot{next: v.next, status: v.status, viewOnly: v.viewOnly, clip: v.clip, chat: v.chat, chatSeq: v.chatSeq,
		files: slices.Clone(v.transfers), filesSeq: v.filesSeq, waiting: v.waiting}
	s.cursor, s.shape, s.hasCur = v.cursorSnapshot()
	v.next, v.clip = nil, nil
	return s
}

// frame draws one window frame.
func (u *ui) frame(e app.FrameEvent) {
	s := u.snapshot()
	gtx := app.NewContext(&u.ops, e)
	u.setViewOnly(s.viewOnly)
	u.cur.set(s.cursor, s.shape, s.hasCur)
	var old *Frame
	if s.next != nil {
		old = u.shown
		u.shown = s.next
		u.img = paint.NewImageOp(s.next.Image)
	}
	if s.clip != nil {
		u.writeClipboard(gtx, *s.clip)
	}
	// Screen events first: a toolbar click then acts after the input that
	// came before it.
	u.handleScreen(gtx)
	u.handleToolbar(gtx, s.status)
	u.handleChat(gtx, s.chatSeq)
	u.handleFiles(gtx, s.filesSeq)
	info := u.draw(gtx, s)
	t0 := time.Now()
	e.Frame(gtx.Ops) // renders, uploading the new picture's texture
	took := time.Since(t0)
	// Counted before the hooks run: a Presented hook may read Stats and
	// must find its picture drawn (TestPresentedHook once saw it not).
	u.account(s.next != nil, took, info)
	if s.next != nil && s.next.Presented != nil {
		s.next.Presented(t0.Add(took))
	}
	if old != nil && old.Done != nil {
		old.Done()
	}
}

// account updates the statistics and the layout record after a frame.
func (u *ui) account(newPicture bool, took time.Duration, info layoutInfo) {
	u.redraws++
	v := u.v
	v.mu.Lock()
	defer v.mu.Unlock()
	v.stats.Redraws++
	v.stats.Render += took
	if newPicture {
		v.stats.Drawn++
	}
	v.layout = info
	if u.redraws == 1 {
		v.stats.Opened = time.Since(u.start)
		v.log.Info("viewer window shown", "ms", v.stats.Opened.Milliseconds())
	}
}

// draw lays out the toolbar, the remote screen and the status line.
func (u *ui) draw(gtx layout.Context, s snapshot) layoutInfo {
	st := s.status
	paint.Fill(gtx.Ops, pal.Bg)
	info := layoutInfo{}
	var fileRects giowin.Record
	layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			dims := u.tb.layout(gtx, &info.Record, u.tb.items(st, u.mode, u.viewOnly, u.chat.open, u.files.open))
			info.screen.Min.Y = dims.Size.Y
			return dims
		}),
		layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
			info.screen.Max = info.screen.Min.Add(gtx.Constraints.Max)
			dims := u.drawScreen(gtx)
			if u.waiting(s) {
				u.drawWaiting(gtx, s.waiting, info.screen.Min, &info.Record)
			}
			return dims
		}),
		layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			if !u.chat.open {
				return layout.Dimensions{}
			}
			dims := u.drawChat(gtx, s.chat)
			info.chat = image.Rectangle{Max: dims.Size} // placed below the screen after the layout
			return dims
		}),
		layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			if !u.files.open {
				return layout.Dimensions{}
			}
			dims, rects := u.drawFiles(gtx, s.files)
			info.files = image.Rectangle{Max: dims.Size} // placed below the chat after the layout
			fileRects = rects
			return dims
		}),
		layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			line := u.statusLine(st, u.waiting(s))
			info.Texts = append(info.Texts, line)
			return u.drawStatus(gtx, line)
		}),
	)
	below := info.screen.Max.Y
	if !info.chat.Empty() {
		info.chat = info.chat.Add(image.Pt(0, below))
		below = info.chat.Max.Y
	}
	if !info.files.Empty() {
		info.files = info.files.Add(image.Pt(0, below))
		for n, r := range fileRects.Rects {
			info.Place(n, r.Add(info.files.Min))
		}
	}
	info.geom, info.cursor = u.geom, u.cur.drawn
	info.Editing = u.editing(gtx)
	return info
}

// drawScreen draws the remote screen in the viewport and registers the
// viewport for pointer and key input.
func (u *ui) drawScreen(gtx layout.Context) layout.Dimensions {
	size := gtx.Constraints.Max
	defer clip.Rect(image.Rectangle{Max: size}).Push(gtx.Ops).Pop()
	u.geom = u.geometry(size)
	u.drawBorders(gtx)
	if u.shown != nil {
		u.drawPicture(gtx)
		u.drawCursor(gtx)
	}
	u.registerInput(gtx)
	if u.mode == ModeActual && u.shown != nil {
		u.drawScrollbars(gtx)
	}
	return layout.Dimensions{Size: size}
}

// drawBorders paints the viewport around the picture (all of it while
// there is none).
func (u *ui) drawBorders(gtx layout.Context) {
	var d image.Rectangle
	if u.shown != nil {
		d = u.geom.dest()
	}
	picture.Borders(gtx.Ops, u.geom.View, d, screenBg)
}

// geometry is where the current picture goes in a viewport of this size.
func (u *ui) geometry(view image.Point) geometry {
	g := geometry{View: view, Mode: u.mode, Scroll: u.scroll}
	if u.shown != nil {
		g.Remote = u.shown.Image.Bounds().Size()
	}
	// Scrollbar drags from the last frame's events.
	g.Scroll.Y += int(u.vbar.ScrollDistance() * float32(g.Remote.Y))
	g.Scroll.X += int(u.hbar.ScrollDistance() * float32(g.Remote.X))
	g = g.clamped()
	u.scroll = g.Scroll
	return g
}

// drawPicture draws the texture of the current frame; the texture is
// uploaded once per new frame, when its ImageOp is first used.
func (u *ui) drawPicture(gtx layout.Context) {
	picture.Paint(gtx.Ops, &u.img, u.geom.Remote, u.geom.dest())
}

// drawScrollbars draws scrollbars for 1:1 mode; geometry applies their
// drags in the next frame.
func (u *ui) drawScrollbars(gtx layout.Context) {
	g := u.geom
	if g.Remote.Y > g.View.Y {
		start := float32(g.Scroll.Y) / float32(g.Remote.Y)
		end := start + float32(g.View.Y)/float32(g.Remote.Y)
		layout.E.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
			return material.Scrollbar(u.th, &u.vbar).Layout(gtx, layout.Vertical, start, end)
		})
	}
	if g.Remote.X > g.View.X {
		start := float32(g.Scroll.X) / float32(g.Remote.X)
		end := start + float32(g.View.X)/float32(g.Remote.X)
		layout.S.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
			return material.Scrollbar(u.th, &u.hbar).Layout(gtx, layout.Horizontal, start, end)
		})
	}
}

// waiting reports whether the code card is shown: a code waits for the
// customer and no picture has come yet.
func (u *ui) waiting(s snapshot) bool { return s.waiting.Code != "" && u.shown == nil }

// statusLine is the status line's text: while the code card is shown
// and nothing connects yet, what the session waits for.
func (u *ui) statusLine(st Status, waiting bool) string {
	if waiting && st.Path == "" {
		return "waiting for the customer to join…"
	}
	return statusText(st, u.viewOnly)
}

func (u *ui) drawStatus(gtx layout.Context, text string) layout.Dimensions {
	l := material.Label(u.th, unit.Sp(12), text)
	l.Color = pal.Fg
	l.MaxLines = 1
	return layout.Inset{Top: 3, Bottom: 4, Left: 8, Right: 8}.Layout(gtx, l.Layout)
}
