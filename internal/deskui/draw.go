package deskui

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"strings"
	"time"

	"gioui.org/app"
	"gioui.org/font/gofont"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/text"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/tandem-remote/tandem/internal/deskclient"
)

const (
	queueWidth = 250 // Dp
	shownLines = 14  // conversation lines shown, the latest
	typingFor  = 4 * time.Second
	typingSend = 2 * time.Second // at most one typing notice this often
)

var (
	bg      = color.NRGBA{R: 0xf6, G: 0xf7, B: 0xf9, A: 0xff}
	panelBg = color.NRGBA{R: 0xe8, G: 0xeb, B: 0xf0, A: 0xff}
	ink     = color.NRGBA{R: 0x1b, G: 0x1f, B: 0x24, A: 0xff}
	muted   = color.NRGBA{R: 0x4a, G: 0x52, B: 0x5e, A: 0xff}
	accent  = color.NRGBA{R: 0x1e, G: 0x5f, B: 0xc0, A: 0xff}
	danger  = color.NRGBA{R: 0xb3, G: 0x26, B: 0x1e, A: 0xff}
)

// layoutInfo is what the last frame drew and where, in window pixels.
type layoutInfo struct {
	rects   map[string]image.Rectangle
	texts   []string
	editing bool // the reply line has the keyboard
}

// ui is the window goroutine's state.
type ui struct {
	d       *Desk
	th      *material.Theme
	ops     op.Ops
	rows    map[string]*widget.Clickable
	reply   widget.Editor
	send    widget.Clickable
	invite  widget.Clickable
	end     widget.Clickable
	open    widget.Clickable
	typedAt time.Time // the last typing notice sent
	info    layoutInfo
}

func newUI(d *Desk) *ui {
	th := material.NewTheme()
	th.Shaper = text.NewShaper(text.NoSystemFonts(), text.WithCollection(gofont.Regular()))
	th.Palette.Fg, th.Palette.Bg, th.Palette.ContrastBg = ink, bg, accent
	return &ui{d: d, th: th, rows: map[string]*widget.Clickable{}, reply: widget.Editor{SingleLine: true, Submit: true}}
}

// snapshot is the shared state one frame draws.
type snapshot struct {
	queue   []deskclient.Summary
	current string
	conv    conversation
	note    string
	session string
	busy    bool
}

func (u *ui) snapshot() snapshot {
	d := u.d
	d.mu.Lock()
	defer d.mu.Unlock()
	s := snapshot{queue: slices.Clone(d.queue), current: d.current, note: d.note, session: d.session, busy: d.busy}
	if c := d.convs[d.current]; c != nil {
		s.conv = *c
		s.conv.events = slices.Clone(c.events)
	}
	return s
}

func (u *ui) frame(e app.FrameEvent) {
	gtx := app.NewContext(&u.ops, e)
	s := u.snapshot()
	u.handle(gtx, s)
	u.info = layoutInfo{rects: map[string]image.Rectangle{}}
	paint.Fill(gtx.Ops, bg)
	u.draw(gtx, s)
	if !s.conv.typing.IsZero() {
		gtx.Execute(op.InvalidateCmd{At: s.conv.typing.Add(typingFor)})
	}
	u.info.editing = gtx.Focused(&u.reply)
	e.Frame(gtx.Ops)
	u.d.mu.Lock()
	u.d.layout = u.info
	u.d.mu.Unlock()
}

// handle acts on the clicks and keys since the last frame.
func (u *ui) handle(gtx layout.Context, s snapshot) {
	for id, c := range u.rows {
		if c.Clicked(gtx) && id != s.current {
			u.d.act(Action{Kind: Pick, Conversation: id})
		}
	}
	submit := u.send.Clicked(gtx)
	for {
		ev, ok := u.reply.Update(gtx)
		if !ok {
			break
		}
		switch ev.(type) {
		case widget.SubmitEvent:
			submit = true
		case widget.ChangeEvent:
			if s.current != "" && gtx.Now.Sub(u.typedAt) > typingSend && u.reply.Text() != "" {
				u.typedAt = gtx.Now
				u.d.act(Action{Kind: Typing, Conversation: s.current})
			}
		}
	}
	open := s.current != "" && !s.conv.closed
	if msg := strings.TrimSpace(u.reply.Text()); submit && open && msg != "" {
		u.d.act(Action{Kind: Say, Conversation: s.current, Text: msg})
		u.reply.SetText("")
		u.typedAt = time.Time{}
	}
	if u.open.Clicked(gtx) && !s.busy {
		u.d.act(Action{Kind: Open})
	}
	if u.invite.Clicked(gtx) && open && s.conv.invited == "" && !s.busy {
		u.d.act(Action{Kind: Invite, Conversation: s.current})
	}
	if u.end.Clicked(gtx) && open {
		u.d.act(Action{Kind: End, Conversation: s.current})
	}
}

// draw lays out the queue on the left and the conversation on the right.
func (u *ui) draw(gtx layout.Context, s snapshot) {
	qw := gtx.Dp(queueWidth)
	size := gtx.Constraints.Max
	paint.FillShape(gtx.Ops, panelBg, clip.Rect(image.Rect(0, 0, qw, size.Y)).Op())
	col := gtx
	col.Constraints = layout.Exact(image.Pt(qw, size.Y))
	u.drawQueue(col, s)
	st := op.Offset(image.Pt(qw, 0)).Push(gtx.Ops)
	col.Constraints = layout.Exact(image.Pt(size.X-qw, size.Y))
	u.drawConversation(col, s, qw)
	st.Pop()
}

// column places widgets one under the other, recording where.
type column struct {
	u      *ui
	gtx    layout.Context
	x, y   int // where the next widget goes, in the column
	origin image.Point
}

func (c *column) add(name string, w layout.Widget) layout.Dimensions {
	gtx := c.gtx
	gtx.Constraints.Min = image.Point{}
	gtx.Constraints.Max.X -= 2 * c.x
	st := op.Offset(image.Pt(c.x, c.y)).Push(gtx.Ops)
	dims := w(gtx)
	st.Pop()
	if name != "" {
		c.u.info.rects[name] = image.Rectangle{Max: dims.Size}.Add(image.Pt(c.x, c.y)).Add(c.origin)
	}
	c.y += dims.Size.Y + gtx.Dp(6)
	return dims
}

func (c *column) label(text string, size unit.Sp, col color.NRGBA) {
	c.add("", func(gtx layout.Context) layout.Dimensions {
		l := material.Label(c.u.th, size, text)
		l.Color = col
		c.u.info.texts = append(c.u.info.texts, text)
		return l.Layout(gtx)
	})
}

func (u *ui) drawQueue(gtx layout.Context, s snapshot) {
	c := &column{u: u, gtx: gtx, x: gtx.Dp(10), y: gtx.Dp(10)}
	switch {
	case s.session != "":
		c.label("Session code "+spaced(s.session)+": give it to the customer.", 13, ink)
	case s.busy:
		c.label("Starting a session…", 13, muted)
	default:
		c.add("open", func(gtx layout.Context) layout.Dimensions {
			b := material.Button(u.th, &u.open, "Start a session")
			b.TextSize, b.Background = 14, accent
			u.info.texts = append(u.info.texts, "Start a session")
			return b.Layout(gtx)
		})
	}
	c.label("Customers", 17, ink)
	if len(s.queue) == 0 {
		c.label("Nobody is waiting. Customers who open the help page appear here.", 13, muted)
		return
	}
	q := slices.Clone(s.queue)
	slices.SortStableFunc(q, func(a, b deskclient.Summary) int { return a.Started.Compare(b.Started) })
	for _, it := range q {
		click := u.rows[it.ID]
		if click == nil {
			click = new(widget.Clickable)
			u.rows[it.ID] = click
		}
		label := queueLabel(it, gtx.Now)
		c.add("queue-"+it.ID, func(gtx layout.Context) layout.Dimensions {
			b := material.Button(u.th, click, label)
			b.TextSize, b.CornerRadius = 13, 4
			b.Background, b.Color = bg, ink
			if it.ID == s.current {
				b.Background, b.Color = accent, bg
			}
			gtx.Constraints.Min.X = gtx.Constraints.Max.X
			u.info.texts = append(u.info.texts, label)
			return b.Layout(gtx)
		})
	}
	gtx.Execute(op.InvalidateCmd{At: gtx.Now.Truncate(time.Second).Add(time.Second)}) // the waiting times
}

// queueLabel is a queue line: who, about what, and for how long.
func queueLabel(s deskclient.Summary, now time.Time) string {
	who := s.Name
	if who == "" {
		who = "Customer with your session code"
	}
	if s.Topic != "" {
		who += " — " + s.Topic
	}
	wait := now.Sub(s.Started).Truncate(time.Second)
	state := fmt.Sprintf("waiting %d:%02d", int(wait.Minutes()), int(wait.Seconds())%60)
	if s.State == "yours" {
		state = "yours"
	}
	return who + "\n" + state
}

func (u *ui) drawConversation(gtx layout.Context, s snapshot, left int) {
	c := &column{u: u, gtx: gtx, x: gtx.Dp(14), y: gtx.Dp(10), origin: image.Pt(left, 0)}
	if s.current == "" {
		c.label("Pick a customer on the left to chat with them.", 15, muted)
		u.drawNote(c, s.note)
		return
	}
	who := customerName(s.queue, s.current)
	c.label("Chat with "+who, 17, ink)
	events := s.conv.events
	if len(events) > shownLines {
		events = events[len(events)-shownLines:]
	}
	for _, e := range events {
		if line, col := eventLine(e, who); line != "" {
			c.label(line, 14, col)
		}
	}
	if !s.conv.typing.IsZero() && gtx.Now.Sub(s.conv.typing) < typingFor {
		c.label(who+" is typing…", 13, muted)
	}
	if s.conv.closed {
		c.label("This chat has ended.", 14, muted)
		u.drawNote(c, s.note)
		return
	}
	c.add("reply", func(gtx layout.Context) layout.Dimensions {
		ed := material.Editor(u.th, &u.reply, "Your answer (Enter sends)")
		ed.TextSize = 14
		gtx.Constraints.Min.X = gtx.Constraints.Max.X
		return widget.Border{Color: muted, Width: 1, CornerRadius: 3}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
			return layout.UniformInset(6).Layout(gtx, ed.Layout)
		})
	})
	row := c.y
	x := c.x
	for _, b := range []struct {
		name, label string
		click       *widget.Clickable
		color       color.NRGBA
		shown       bool
	}{
		{"send", "Send", &u.send, accent, true},
		{"invite", "Invite to a remote session", &u.invite, accent, s.conv.invited == "" && !s.busy},
		{"end", "End chat", &u.end, danger, true},
	} {
		if !b.shown {
			continue
		}
		m := op.Record(gtx.Ops)
		g := gtx
		g.Constraints.Min = image.Point{}
		btn := material.Button(u.th, b.click, b.label)
		btn.TextSize, btn.Background = 14, b.color
		dims := btn.Layout(g)
		call := m.Stop()
		st := op.Offset(image.Pt(x, row)).Push(gtx.Ops)
		call.Add(gtx.Ops)
		st.Pop()
		u.info.rects[b.name] = image.Rectangle{Max: dims.Size}.Add(image.Pt(x+left, row))
		u.info.texts = append(u.info.texts, b.label)
		x += dims.Size.X + gtx.Dp(8)
		c.y = max(c.y, row+dims.Size.Y+gtx.Dp(6))
	}
	if s.conv.invited != "" {
		c.label("Invited: the customer's page offers the agent for session code "+s.conv.invited+".", 13, muted)
	}
	u.drawNote(c, s.note)
}

func (u *ui) drawNote(c *column, note string) {
	if note != "" {
		c.label(note, 13, danger)
	}
}

// spaced writes a 9-digit code in groups of three, as people read it.
func spaced(code string) string {
	if len(code) != 9 {
		return code
	}
	return code[:3] + " " + code[3:6] + " " + code[6:]
}

// customerName is how the conversation's customer is called.
func customerName(q []deskclient.Summary, id string) string {
	for _, s := range q {
		if s.ID == id && s.Name != "" {
			return s.Name
		}
	}
	return "the customer"
}

// eventLine is how an event reads in the conversation.
func eventLine(e deskclient.Event, customer string) (string, color.NRGBA) {
	switch e.Type {
	case "message":
		switch e.From {
		case "customer":
			return customer + ": " + e.Text, ink
		case "operator":
			return "You: " + e.Text, accent
		}
		return e.Text, muted
	case "assigned":
		return "You took this chat.", muted
	case "invite":
		return "Session code " + e.Code + " sent.", muted
	case "closed":
		if e.Reason != "" {
			return "Chat ended: " + e.Reason, muted
		}
		return "Chat ended.", muted
	}
	return "", ink
}
