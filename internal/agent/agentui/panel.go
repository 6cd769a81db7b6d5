package agentui

import (
	"fmt"
	"image"

	"gioui.org/layout"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// How many lines the panes show, so that the window stays small whatever
// the session holds.
const (
	chatShown      = 6 // the last chat lines
	transfersShown = 5 // the first transfers
	appsPage       = 8 // windows to choose from, a page at a time
)

// drawPanel draws the session panel: buttons, status, and the open panes.
func (v *view) drawPanel(c *giowin.Column, s snapshot) {
	t, st := v.t, s.status
	v.status = st
	bs := []button{{nStop, t[mStop], v.buttons[nStop], pal.Danger}}
	if st.Operator != "" {
		pause := button{nPause, t[mPause], v.buttons[nPause], pal.Surface}
		if st.Paused {
			pause.label, pause.bg = t[mResume], pal.Accent
		}
		bs = append(bs, pause)
		if st.Mode == ModeControl {
			take := button{nTakeBack, t[mTakeBack], v.buttons[nTakeBack], pal.Surface}
			if st.InputSuspended {
				take.label, take.bg = t[mGiveBack], pal.Accent
			}
			bs = append(bs, take)
		}
		bs = append(bs, v.toggle(nChat, mChat, v.chatOpen), v.toggle(nFiles, mFiles, v.filesOpen),
			v.toggle(nApps, mApps, v.appsOpen))
	}
	// The buttons come first, Stop leading: a status line that grows
	// (taking back control says more) must never move Stop from under a
	// pointer on its way to it.
	row(c, bs)
	c.Bold(nStatus, t.statusLine(st), unit.Sp(15), pal.Fg)
	if st.Operator == "" {
		return
	}
	if v.chatOpen {
		v.drawChat(c, s)
	}
	if v.filesOpen {
		v.drawFiles(c, st)
	}
	if v.appsOpen {
		v.drawApps(c, s)
	}
}

func (v *view) toggle(name string, label msg, open bool) button {
	b := button{name, v.t[label], v.buttons[name], pal.Surface}
	if open {
		b.bg = pal.Accent
	}
	return b
}

// drawChat draws the last chat lines and the field to answer in.
func (v *view) drawChat(c *giowin.Column, s snapshot) {
	lines := s.chat[max(len(s.chat)-chatShown, 0):]
	for i, l := range lines {
		name := ""
		if i == len(lines)-1 {
			name = nChatLast
		}
		c.Text(name, fmt.Sprintf("%s %s: %s", l.At.Format("15:04"), l.From, l.Text), unit.Sp(13), pal.Fg)
	}
	c.Add(nChatInput, func(gtx layout.Context) layout.Dimensions {
		return field(gtx, v.th, &v.editor)
	})
	row(c, []button{{nSend, v.t[mSend], v.buttons[nSend], pal.Accent}})
}

// field draws a one-line text editor on a dark background.
func field(gtx layout.Context, th *material.Theme, ed *widget.Editor) layout.Dimensions {
	gtx.Constraints.Min.X = gtx.Constraints.Max.X
	return layout.Background{}.Layout(gtx,
		func(gtx layout.Context) layout.Dimensions {
			sz := gtx.Constraints.Min
			paint.FillShape(gtx.Ops, pal.Field, clip.Rect{Max: sz}.Op())
			return layout.Dimensions{Size: sz}
		},
		func(gtx layout.Context) layout.Dimensions {
			e := material.Editor(th, ed, "")
			e.Color = pal.Fg
			e.TextSize = unit.Sp(14)
			return layout.UniformInset(6).Layout(gtx, e.Layout)
		})
}

// drawFiles lists the transfers in progress, then offers to send a file.
func (v *view) drawFiles(c *giowin.Column, st Status) {
	if len(st.Transfers) == 0 {
		c.Text(nTransfers, v.t[mNoTransfers], unit.Sp(13), pal.Muted)
	}
	for i, tr := range st.Transfers[:min(len(st.Transfers), transfersShown)] {
		arrow := "↑"
		if tr.Incoming {
			arrow = "↓"
		}
		line := fmt.Sprintf("%s %s  %s / %s", arrow, tr.Name, v.t.size(tr.Done), v.t.size(tr.Total))
		name := ""
		if i == 0 {
			name = nTransfers
		}
		c.Text(name, line, unit.Sp(13), pal.Fg)
		if tr.ID != 0 {
			row(c, []button{{cancelName(i), v.t[mCancel], v.cancel(i), pal.Surface}})
		}
	}
	if n := len(st.Transfers) - transfersShown; n > 0 {
		c.Text("", v.t.f(mMoreTransfers, n), unit.Sp(13), pal.Muted)
	}
	v.drawSend(c, st)
}

// drawnAlike reports whether the panel draws a and b alike: the same but
// for transfers' byte counts that round to the same text (drawFiles).
func (t *texts) drawnAlike(a, b Status) bool {
	if a.Operator != b.Operator || a.Organisation != b.Organisation || a.Mode != b.Mode ||
		a.Paused != b.Paused || a.InputSuspended != b.InputSuspended || a.CanSend != b.CanSend ||
		(a.Sent == nil) != (b.Sent == nil) || a.Sent != nil && *a.Sent != *b.Sent ||
		len(a.Transfers) != len(b.Transfers) {
		return false
	}
	for i, x := range a.Transfers {
		y := b.Transfers[i]
		if x.ID != y.ID || x.Name != y.Name || x.Total != y.Total || x.Incoming != y.Incoming ||
			t.size(x.Done) != t.size(y.Done) {
			return false
		}
	}
	return true
}

// drawApps draws the chooser of shared windows.
func (v *view) drawApps(c *giowin.Column, s snapshot) {
	v.check(c, nWhole, &v.whole, v.t[mWholeScreen])
	if len(s.apps) == 0 {
		c.Text("", v.t[mNoWindows], unit.Sp(13), pal.Muted)
	}
	v.appsFrom = min(v.appsFrom, max(len(s.apps)-1, 0)/appsPage*appsPage)
	for _, w := range s.apps[v.appsFrom:min(len(s.apps), v.appsFrom+appsPage)] {
		label := w.Title
		if w.Program != "" {
			label += " — " + w.Program
		}
		v.check(c, appName(w.ID), v.apps[w.ID], label)
	}
	bs := []button{{nShare, v.t[mShare], v.buttons[nShare], pal.Accent}}
	if len(s.apps) > appsPage {
		page := fmt.Sprintf("%d–%d / %d", v.appsFrom+1, min(len(s.apps), v.appsFrom+appsPage), len(s.apps))
		c.Text("", page, unit.Sp(12), pal.Muted)
		bs = append(bs, button{nAppsPrev, "◄", v.buttons[nAppsPrev], pal.Surface},
			button{nAppsNext, "►", v.buttons[nAppsNext], pal.Surface})
	}
	row(c, bs)
}

func (v *view) check(c *giowin.Column, name string, b *widget.Bool, label string) {
	if b == nil {
		return
	}
	c.Rec.Texts = append(c.Rec.Texts, label)
	cb := material.CheckBox(v.th, b, label)
	cb.Color, cb.IconColor, cb.TextSize = pal.Fg, pal.Fg, unit.Sp(13)
	c.Add(name, func(gtx layout.Context) layout.Dimensions {
		gtx.Constraints.Min = image.Point{}
		return cb.Layout(gtx)
	})
}

// cancelName names the Cancel button of the i-th transfer shown.
func cancelName(i int) string { return fmt.Sprintf("cancel-%d", i) }

// cancel is the Cancel button of the i-th transfer shown.
func (v *view) cancel(i int) *widget.Clickable {
	for len(v.cancels) <= i {
		v.cancels = append(v.cancels, new(widget.Clickable))
	}
	return v.cancels[i]
}

// appName names the checkbox of window id.
func appName(id uint32) string { return fmt.Sprintf("app-%d", id) }
