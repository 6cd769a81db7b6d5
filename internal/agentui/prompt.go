package agentui

import (
	"math"

	"gioui.org/layout"
	"gioui.org/unit"
)

// drawPrompt draws a question: title, who asks what, the countdown, and
// Allow and Deny. Allow is drawn greyed until it counts (armDelay). During
// a session Stop stays within reach too: questions must not be a way to
// keep the customer from the panel's Stop.
func (v *view) drawPrompt(c *column, p *promptView, st Status, gtx layout.Context) {
	t := v.t
	title, asks, more := t.promptText(p.req)
	c.text("", title, unit.Sp(13), false, dim, v.th)
	c.text(nAsks, asks, unit.Sp(17), true, fg, v.th)
	for _, m := range more {
		c.text("", m, unit.Sp(14), false, fg, v.th)
	}
	left := int(math.Ceil(p.deadline.Sub(gtx.Now).Seconds()))
	c.text("", t.f(mAutoDeny, max(left, 0)), unit.Sp(12), false, dim, v.th)
	if p.waiting > 0 {
		c.text("", t.f(mMoreWaiting, p.waiting), unit.Sp(12), false, dim, v.th)
	}
	allow := allowBg
	if gtx.Now.Before(p.armed) {
		allow = disabled
	}
	bs := []button{
		{nAllow, t[mAllow], v.buttons[nAllow], allow},
		{nDeny, t[mDeny], v.buttons[nDeny], denyBg},
	}
	if st.Operator != "" {
		bs = append(bs, button{nStop, t[mStop], v.buttons[nStop], btnBg})
	}
	c.row(v.th, bs)
}
