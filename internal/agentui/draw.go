package agentui

import (
	"image"
	"image/color"

	"gioui.org/font"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"
)

var (
	bg       = color.NRGBA{R: 0x26, G: 0x2b, B: 0x33, A: 0xff}
	fg       = color.NRGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff}
	dim      = color.NRGBA{R: 0xa8, G: 0xb0, B: 0xbc, A: 0xff}
	btnBg    = color.NRGBA{R: 0x3a, G: 0x41, B: 0x4d, A: 0xff}
	accent   = color.NRGBA{R: 0x1e, G: 0x6f, B: 0xd9, A: 0xff}
	allowBg  = color.NRGBA{R: 0x1e, G: 0x8a, B: 0x4c, A: 0xff}
	denyBg   = color.NRGBA{R: 0xb3, G: 0x26, B: 0x1e, A: 0xff}
	fieldBg  = color.NRGBA{R: 0x15, G: 0x18, B: 0x1d, A: 0xff}
	disabled = color.NRGBA{R: 0x4a, G: 0x4f, B: 0x57, A: 0xff}
)

// column lays things out top to bottom at fixed positions, recording
// where each named one went.
type column struct {
	gtx  layout.Context
	info *layoutInfo
	pad  int
	y    int
}

func newColumn(gtx layout.Context, info *layoutInfo) *column {
	p := gtx.Dp(unit.Dp(10))
	return &column{gtx: gtx, info: info, pad: p, y: p}
}

// width is the space a line has.
func (c *column) width() int { return c.gtx.Constraints.Max.X - 2*c.pad }

// add draws w as the next line; name, if not empty, records its place.
func (c *column) add(name string, w layout.Widget) {
	gtx := c.gtx
	gtx.Constraints = layout.Constraints{Max: image.Pt(c.width(), 4096)}
	m := op.Record(gtx.Ops)
	dims := w(gtx)
	call := m.Stop()
	at := image.Pt(c.pad, c.y)
	st := op.Offset(at).Push(gtx.Ops)
	call.Add(gtx.Ops)
	st.Pop()
	if name != "" {
		c.info.rects[name] = image.Rectangle{Min: at, Max: at.Add(dims.Size)}
	}
	c.y += dims.Size.Y + gtx.Dp(unit.Dp(6))
}

// text adds a line of text.
func (c *column) text(name, s string, size unit.Sp, bold bool, col color.NRGBA, th *material.Theme) {
	c.info.texts = append(c.info.texts, s)
	l := material.Label(th, size, s)
	l.Color = col
	if bold {
		l.Font.Weight = font.Bold
	}
	c.add(name, l.Layout)
}

// button is one button of a row.
type button struct {
	name, label string
	click       *widget.Clickable
	bg          color.NRGBA
}

// row adds buttons side by side, wrapping when the line is full.
func (c *column) row(th *material.Theme, bs []button) {
	gtx := c.gtx
	gap := gtx.Dp(unit.Dp(6))
	x, rowH := 0, 0
	for _, b := range bs {
		c.info.texts = append(c.info.texts, b.label)
		m := op.Record(gtx.Ops)
		dims := drawButton(gtx, th, b)
		call := m.Stop()
		if x > 0 && x+dims.Size.X > c.width() {
			c.y += rowH + gap
			x, rowH = 0, 0
		}
		at := image.Pt(c.pad+x, c.y)
		st := op.Offset(at).Push(gtx.Ops)
		call.Add(gtx.Ops)
		st.Pop()
		c.info.rects[b.name] = image.Rectangle{Min: at, Max: at.Add(dims.Size)}
		x += dims.Size.X + gap
		rowH = max(rowH, dims.Size.Y)
	}
	c.y += rowH + gap
}

func drawButton(gtx layout.Context, th *material.Theme, b button) layout.Dimensions {
	gtx.Constraints.Min = image.Point{}
	mb := material.Button(th, b.click, b.label)
	mb.TextSize = unit.Sp(14)
	mb.Inset = layout.Inset{Top: 6, Bottom: 6, Left: 12, Right: 12}
	mb.CornerRadius = 4
	mb.Color = fg
	mb.Background = b.bg
	return mb.Layout(gtx)
}

// draw fills the window with the question on screen, or the panel.
func (v *view) draw(gtx layout.Context, s snapshot) layoutInfo {
	paint.FillShape(gtx.Ops, bg, clip.Rect{Max: gtx.Constraints.Max}.Op())
	info := layoutInfo{rects: map[string]image.Rectangle{}}
	c := newColumn(gtx, &info)
	v.drawnPrompt = 0
	if p := s.prompt; p != nil {
		v.drawPrompt(c, p, s.status, gtx)
		v.drawnPrompt, info.prompt = p.id, p.id
		info.armed = !gtx.Now.Before(p.armed)
	} else {
		v.drawPanel(c, s)
	}
	v.height = c.y + c.pad - gtx.Dp(unit.Dp(6))
	return info
}
