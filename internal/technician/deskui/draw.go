package deskui

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"strings"
	"time"

	"gioui.org/app"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/tandem-remote/tandem/internal/media/giowin"
	"github.com/tandem-remote/tandem/internal/technician/deskclient"
)

const (
	queueWidth = 250 // Dp
	shownLines = 14  // conversation lines shown, the latest
	typingFor  = 4 * time.Second
	typingSend = 2 * time.Second // at most one typing notice this often
)

// pal is the desk's palette.
var pal = giowin.Light

// nReply names the reply line, the desk's one text field.
const nReply = "reply"

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
	info    giowin.Record
	card    giowin.CodeCard
}

func newUI(d *Desk) *ui {
	return &ui{d: d, th: giowin.Theme(pal), rows: map[string]*widget.Clickable{}, reply: widget.Editor{SingleLine: true, Submit: true}}
}

// snapshot is the shared state one frame draws.
type snapshot struct {
	queue   []deskclient.Summary
	current string
	conv    conversation
	note    string
	session string
	busy    bool
	waiting Waiting
}

func (u *ui) snapshot() snapshot {
	d := u.d
	d.mu.Lock()
	defer d.mu.Unlock()
	s := snapshot{queue: slices.Clone(d.queue), current: d.current, note: d.note, session: d.session, busy: d.busy, waiting: d.waiting}
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
	u.info = giowin.Record{}
	paint.Fill(gtx.Ops, pal.Bg)
	u.draw(gtx, s)
	if !s.conv.typing.IsZero() {
		gtx.Execute(op.InvalidateCmd{At: s.conv.typing.Add(typingFor)})
	}
	if gtx.Focused(&u.reply) {
		u.info.Editing = nReply
	}
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
	paint.FillShape(gtx.Ops, pal.Surface, clip.Rect(image.Rect(0, 0, qw, size.Y)).Op())
	col := gtx
	col.Constraints = layout.Exact(image.Pt(qw, size.Y))
	u.drawQueue(col, s)
	st := op.Offset(image.Pt(qw, 0)).Push(gtx.Ops)
	col.Constraints = layout.Exact(image.Pt(size.X-qw, size.Y))
	u.drawConversation(col, s, qw)
	st.Pop()
}

// column returns a column of the window, left pixels from its left edge.
func (u *ui) column(gtx layout.Context, left, pad int) *giowin.Column {
	return &giowin.Column{Gtx: gtx, Theme: u.th, Rec: &u.info, Origin: image.Pt(left, 0),
		Pad: pad, Y: gtx.Dp(10), Gap: gtx.Dp(6)}
}

func (u *ui) drawQueue(gtx layout.Context, s snapshot) {
	c := u.column(gtx, 0, gtx.Dp(10))
	switch {
	case s.busy && s.waiting.Code != "":
		u.card.Layout(c, pal, s.waiting)
	case s.session != "":
		c.Text("", "Session code "+giowin.GroupDigits(s.session)+": give it to the customer.", 13, pal.Fg)
	case s.busy:
		c.Text("", "Starting a session…", 13, pal.Muted)
	default:
		c.Add("open", func(gtx layout.Context) layout.Dimensions {
			b := material.Button(u.th, &u.open, "Start a session")
			b.TextSize, b.Background = 14, pal.Accent
			u.info.Texts = append(u.info.Texts, "Start a session")
			return b.Layout(gtx)
		})
	}
	c.Text("", "Customers", 17, pal.Fg)
	if len(s.queue) == 0 {
		c.Text("", "Nobody is waiting. Customers who open the help page appear here.", 13, pal.Muted)
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
		c.Add("queue-"+it.ID, func(gtx layout.Context) layout.Dimensions {
			b := material.Button(u.th, click, label)
			b.TextSize, b.CornerRadius = 13, 4
			b.Background, b.Color = pal.Bg, pal.Fg
			if it.ID == s.current {
				b.Background, b.Color = pal.Accent, pal.Bg
			}
			gtx.Constraints.Min.X = gtx.Constraints.Max.X
			u.info.Texts = append(u.info.Texts, label)
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
	c := u.column(gtx, left, gtx.Dp(14))
	if s.current == "" {
		c.Text("", "Pick a customer on the left to chat with them.", 15, pal.Muted)
		u.drawNote(c, s.note)
		return
	}
	who := customerName(s.queue, s.current)
	c.Text("", "Chat with "+who, 17, pal.Fg)
	events := s.conv.events
	if len(events) > shownLines {
		events = events[len(events)-shownLines:]
	}
	for _, e := range events {
		if line, col := eventLine(e, who); line != "" {
			c.Text("", line, 14, col)
		}
	}
	if !s.conv.typing.IsZero() && gtx.Now.Sub(s.conv.typing) < typingFor {
		c.Text("", who+" is typing…", 13, pal.Muted)
	}
	if s.conv.closed {
		c.Text("", "This chat has ended.", 14, pal.Muted)
		u.drawNote(c, s.note)
		return
	}
	c.Add(nReply, func(gtx layout.Context) layout.Dimensions {
		ed := material.Editor(u.th, &u.reply, "Your answer (Enter sends)")
		ed.TextSize = 14
		gtx.Constraints.Min.X = gtx.Constraints.Max.X
		return widget.Border{Color: pal.Muted, Width: 1, CornerRadius: 3}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
			return layout.UniformInset(6).Layout(gtx, ed.Layout)
		})
	})
	var items []giowin.Item
	for _, b := range []struct {
		name, label string
		click       *widget.Clickable
		color       color.NRGBA
		shown       bool
	}{
		{"send", "Send", &u.send, pal.Accent, true},
		{"invite", "Invite to a remote session", &u.invite, pal.Accent, s.conv.invited == "" && !s.busy},
		{"end", "End chat", &u.end, pal.Danger, true},
	} {
		if b.shown {
			btn := material.Button(u.th, b.click, b.label)
			btn.TextSize, btn.Background = 14, b.color
			items = append(items, giowin.Item{Name: b.name, Text: b.label, Widget: btn.Layout})
		}
	}
	c.Row(items...)
	if s.conv.invited != "" {
		c.Text("", "Invited: the customer's page offers the agent for session code "+s.conv.invited+".", 13, pal.Muted)
	}
	u.drawNote(c, s.note)
}

func (u *ui) drawNote(c *giowin.Column, note string) {
	if note != "" {
		c.Text("", note, 13, pal.Danger)
	}
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
			return customer + ": " + e.Text, pal.Fg
		case "operator":
			return "You: " + e.Text, pal.Accent
		}
		return e.Text, pal.Muted
	case "assigned":
		return "You took this chat.", pal.Muted
	case "invite":
		return "Session code " + e.Code + " sent.", pal.Muted
	case "closed":
		if e.Reason != "" {
			return "Chat ended: " + e.Reason, pal.Muted
		}
		return "Chat ended.", pal.Muted
	}
	return "", pal.Fg
}
