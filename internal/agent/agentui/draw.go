package agentui

import (
	"image"
	"image/color"

	"gioui.org/layout"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// pal is the window's palette, the viewer's too.
var pal = giowin.Dark

// button is one button of a row.
type button struct {
	name, label string
	click       *widget.Clickable
	bg          color.NRGBA
}

// row adds buttons side by side, wrapping when the line is full.
func row(c *giowin.Column, bs []button) {
	items := make([]giowin.Item, len(bs))
	for i, b := range bs {
		items[i] = giowin.Item{Name: b.name, Text: b.label, Widget: func(gtx layout.Context) layout.Dimensions {
			return drawButton(gtx, c.Theme, b)
		}}
	}
	c.Row(items...)
}

func drawButton(gtx layout.Context, th *material.Theme, b button) layout.Dimensions {
	gtx.Constraints.Min = image.Point{}
	mb := material.Button(th, b.click, b.label)
	mb.TextSize = unit.Sp(14)
	mb.Inset = layout.Inset{Top: 6, Bottom: 6, Left: 12, Right: 12}
	mb.CornerRadius = 4
	mb.Color = pal.Fg
	mb.Background = b.bg
	return mb.Layout(gtx)
}

// draw fills the window with the question on screen, or the panel.
func (v *view) draw(gtx layout.Context, s snapshot) layoutInfo {
	paint.FillShape(gtx.Ops, pal.Bg, clip.Rect{Max: gtx.Constraints.Max}.Op())
	info := layoutInfo{}
	c := giowin.NewColumn(gtx, v.th, &info.Record)
	v.drawnPrompt = 0
	if p := s.prompt; p != nil {
		v.drawPrompt(c, p, s.status, gtx)
		v.drawnPrompt, info.prompt = p.id, p.id
		info.armed = !gtx.Now.Before(p.armed)
	} else {
		v.drawPanel(c, s)
	}
	v.height = c.Y + c.Pad - c.Gap
	return info
}
