package agentui

import (
	"math"

	"gioui.org/layout"
	"gioui.org/unit"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// drawPrompt draws a question: title, who asks what, the countdown, and
// Allow and Deny. Allow is drawn greyed until it counts (armDelay). During
// a session Stop stays within reach too: questions must not be a way to
// keep the customer from the panel's Stop.
func (v *view) drawPrompt(c *giowin.Column, p *promptView, st Status, gtx layout.Context) {
	t := v.t
	title, asks, more := t.promptText(p.req)
	c.Text("", title, unit.Sp(13), pal.Muted)
	c.Bold(nAsks, asks, unit.Sp(17), pal.Fg)
	for _, m := range more {
		c.Text("", m, unit.Sp(14), pal.Fg)
	}
	left := int(math.Ceil(p.deadline.Sub(gtx.Now).Seconds()))
	c.Text("", t.f(mAutoDeny, max(left, 0)), unit.Sp(12), pal.Muted)
	if p.waiting > 0 {
		c.Text("", t.f(mMoreWaiting, p.waiting), unit.Sp(12), pal.Muted)
	}
	allow := pal.Good
	if gtx.Now.Before(p.armed) {
		allow = pal.Disabled
	}
	bs := []button{
		{nAllow, t[mAllow], v.buttons[nAllow], allow},
		{nDeny, t[mDeny], v.buttons[nDeny], pal.Danger},
	}
	if st.Operator != "" {
		bs = append(bs, button{nStop, t[mStop], v.buttons[nStop], pal.Surface})
	}
	row(c, bs)
}
