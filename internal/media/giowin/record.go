package giowin

import (
	"image"
	"image/color"
	"maps"
	"slices"

	"gioui.org/font"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"
	"gioui.org/widget/material"
)

// Record is what one frame drew, in window pixels: where each named
// control went, every text in the order drawn, and the name of the text
// field that has the keyboard ("" for none).
type Record struct {
	Rects   map[string]image.Rectangle
	Texts   []string
	Editing string
}

// Place records that the control called name went to r. An empty name
// records nothing.
func (rec *Record) Place(name string, r image.Rectangle) {
	if name == "" {
		return
	}
	if rec.Rects == nil {
		rec.Rects = map[string]image.Rectangle{}
	}
	rec.Rects[name] = r
}

// Clone returns a copy that shares nothing with rec, to hand to another
// goroutine; its Rects is never nil.
func (rec Record) Clone() Record {
	rects := make(map[string]image.Rectangle, len(rec.Rects))
	maps.Copy(rects, rec.Rects)
	return Record{Rects: rects, Texts: slices.Clone(rec.Texts), Editing: rec.Editing}
}

// Column lays widgets out one under the other at fixed places, Gap apart
// and Pad in from both sides, and records in Rec the texts and where the
// named widgets went (plus Origin, the column's place in the window).
type Column struct {
	Gtx    layout.Context
	Theme  *material.Theme
	Rec    *Record
	Origin image.Point
	Pad    int // left and right margins, in pixels
	Y      int // where the next widget's top goes, in pixels
	Gap    int // below each widget, in pixels
}

// NewColumn returns a column Pad (10 Dp) in from the left, right and top,
// with Gap 6 Dp.
func NewColumn(gtx layout.Context, th *material.Theme, rec *Record) *Column {
	pad := gtx.Dp(10)
	return &Column{Gtx: gtx, Theme: th, Rec: rec, Pad: pad, Y: pad, Gap: gtx.Dp(6)}
}

// tall bounds a widget's height: a column lays out what it holds whatever
// the window's height, which may be about to fit it.
const tall = 4096

// Width is the room a widget has.
func (c *Column) Width() int { return c.Gtx.Constraints.Max.X - 2*c.Pad }

// Add draws w as the next line; a name records where it went.
func (c *Column) Add(name string, w layout.Widget) layout.Dimensions {
	gtx := c.Gtx
	gtx.Constraints = layout.Constraints{Max: image.Pt(c.Width(), tall)}
	at := image.Pt(c.Pad, c.Y)
	st := op.Offset(at).Push(gtx.Ops)
	dims := w(gtx)
	st.Pop()
	c.Rec.Place(name, image.Rectangle{Min: at, Max: at.Add(dims.Size)}.Add(c.Origin))
	c.Y += dims.Size.Y + c.Gap
	return dims
}

// Text draws a line of text in size and col.
func (c *Column) Text(name, s string, size unit.Sp, col color.NRGBA) {
	c.label(name, s, size, col, font.Normal)
}

// Bold draws a line of bold text (the theme's faces must hold bold).
func (c *Column) Bold(name, s string, size unit.Sp, col color.NRGBA) {
	c.label(name, s, size, col, font.Bold)
}

func (c *Column) label(name, s string, size unit.Sp, col color.NRGBA, weight font.Weight) {
	c.Rec.Texts = append(c.Rec.Texts, s)
	l := material.Label(c.Theme, size, s)
	l.Color, l.Font.Weight = col, weight
	c.Add(name, l.Layout)
}

// Item is one widget of a Row: its name and its text for the Record.
type Item struct {
	Name, Text string
	Widget     layout.Widget
}

// Row draws items side by side, Gap apart, wrapping to a new row when the
// next one would pass the column's width, and records them.
func (c *Column) Row(items ...Item) {
	gtx := c.Gtx
	gtx.Constraints = layout.Constraints{Max: image.Pt(c.Width(), tall)}
	x, rowH := 0, 0
	for _, it := range items {
		c.Rec.Texts = append(c.Rec.Texts, it.Text)
		m := op.Record(gtx.Ops)
		dims := it.Widget(gtx)
		call := m.Stop()
		if x > 0 && x+dims.Size.X > c.Width() {
			c.Y += rowH + c.Gap
			x, rowH = 0, 0
		}
		at := image.Pt(c.Pad+x, c.Y)
		st := op.Offset(at).Push(gtx.Ops)
		call.Add(gtx.Ops)
		st.Pop()
		c.Rec.Place(it.Name, image.Rectangle{Min: at, Max: at.Add(dims.Size)}.Add(c.Origin))
		x += dims.Size.X + c.Gap
		rowH = max(rowH, dims.Size.Y)
	}
	c.Y += rowH + c.Gap
}
