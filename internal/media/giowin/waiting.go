package giowin

import (
	"fmt"
	"image"
	"io"
	"math"
	"net/url"
	"strings"
	"time"

	"gioui.org/io/clipboard"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"
)

// Waiting is a session code that waits for its customer: what the
// technician gives them, by phone or by mail, until they join.
type Waiting struct {
	Code    string    // the session code's digits
	Link    string    // the help page with the code filled in: https://HOST/s/CODE
	Expires time.Time // when the code stops working; zero when unknown
}

// NewWaiting is the Waiting for code, opened on server (the technician's
// -server URL, "https://HOST[:PORT]" or "HOST[:PORT]"), which also serves
// the help page.
func NewWaiting(server, code string, expires time.Time) Waiting {
	return Waiting{Code: code, Link: SessionLink(server, code), Expires: expires}
}

// SessionLink is the help page's link that fills in code:
// https://HOST[:PORT]/s/CODE.
func SessionLink(server, code string) string {
	if !strings.Contains(server, "://") {
		server = "https://" + server
	}
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/s/" + code}).String()
}

// GroupDigits writes a code in groups of three, as people read it out:
// "123 456 789".
func GroupDigits(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 && (len(code)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TimeLeft says how long the code still works at now: "Expires in 9:41",
// counting down by the second, or that it has expired.
func (w Waiting) TimeLeft(now time.Time) string {
	if w.Expires.IsZero() {
		return ""
	}
	left := int(math.Ceil(w.Expires.Sub(now).Seconds()))
	if left <= 0 {
		return "The code has expired: start a new session."
	}
	return fmt.Sprintf("Expires in %d:%02d", left/60, left%60)
}

// Names the code card records its parts under.
const (
	NameCode    = "code"         // the code, grouped
	NameLink    = "code-link"    // the link
	NameCopy    = "copy-link"    // the button that copies the link
	NameExpires = "code-expires" // the time left
)

// copiedFor is how long the copy button says it has copied.
const copiedFor = 2 * time.Second

// CodeCard draws a Waiting: the code in large digits, the link with a
// button that copies it to the clipboard, and the time left, counting
// down. It belongs to one window goroutine.
type CodeCard struct {
	copy   widget.Clickable
	copied time.Time // when the link was last copied
}

// Layout draws w as the next lines of c, on a card of p.Surface, after
// copying the link if the button was clicked since the last frame.
func (cc *CodeCard) Layout(c *Column, p Palette, w Waiting) {
	gtx := c.Gtx
	if cc.copy.Clicked(gtx) && w.Link != "" {
		gtx.Execute(clipboard.WriteCmd{Type: "application/text", Data: io.NopCloser(strings.NewReader(w.Link))})
		cc.copied = gtx.Now
	}
	top := c.Y
	m := op.Record(gtx.Ops)
	c.Text("", "Give the customer this code:", unit.Sp(14), p.Muted)
	c.Text(NameCode, GroupDigits(w.Code), unit.Sp(32), p.Fg)
	if w.Link != "" {
		c.Row(Item{NameLink, w.Link, cc.link(c.Theme, p, w.Link)}, Item{NameCopy, cc.label(gtx.Now), cc.button(c.Theme, p, gtx.Now)})
	}
	if left := w.TimeLeft(gtx.Now); left != "" {
		c.Text(NameExpires, left, unit.Sp(13), p.Muted)
	}
	call := m.Stop()
	bg := image.Rect(0, top-c.Gap, c.Gtx.Constraints.Max.X, c.Y)
	paint.FillShape(gtx.Ops, p.Surface, clip.UniformRRect(bg, gtx.Dp(6)).Op(gtx.Ops))
	call.Add(gtx.Ops)
	gtx.Execute(op.InvalidateCmd{At: gtx.Now.Truncate(time.Second).Add(time.Second)}) // the countdown
}

func (cc *CodeCard) link(th *material.Theme, p Palette, link string) layout.Widget {
	l := material.Label(th, unit.Sp(14), link)
	l.Color = p.Fg
	return l.Layout
}

func (cc *CodeCard) label(now time.Time) string {
	if !cc.copied.IsZero() && now.Sub(cc.copied) < copiedFor {
		return "Copied"
	}
	return "Copy link"
}

func (cc *CodeCard) button(th *material.Theme, p Palette, now time.Time) layout.Widget {
	b := material.Button(th, &cc.copy, cc.label(now))
	b.TextSize, b.CornerRadius = unit.Sp(13), 3
	b.Inset = layout.Inset{Top: 5, Bottom: 5, Left: 9, Right: 9}
	b.Background, b.Color = p.Accent, p.OnAccent
	return b.Layout
}
