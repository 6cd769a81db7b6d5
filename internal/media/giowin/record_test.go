package giowin

import (
	"image"
	"slices"
	"testing"

	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"
)

// fixed is a widget of size w×h.
func fixed(w, h int) layout.Widget {
	return func(layout.Context) layout.Dimensions { return layout.Dimensions{Size: image.Pt(w, h)} }
}

func gtxOf(width int) layout.Context {
	return layout.Context{Ops: new(op.Ops), Metric: unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Exact(image.Pt(width, 300))}
}

// TestColumn: widgets go one under the other, Pad in and Gap apart, their
// places recorded in window pixels (Origin added) and texts in order.
func TestColumn(t *testing.T) {
	var rec Record
	c := NewColumn(gtxOf(200), Theme(Dark), &rec)
	c.Origin = image.Pt(1000, 0)
	c.Add("a", fixed(50, 20))
	c.Add("", fixed(50, 30)) // not named: not recorded
	c.Text("t", "hello", 12, Dark.Fg)
	c.Bold("", "bold", 12, Dark.Fg)
	if want := image.Rect(1010, 10, 1060, 30); rec.Rects["a"] != want {
		t.Errorf("a at %v, want %v", rec.Rects["a"], want)
	}
	if len(rec.Rects) != 2 {
		t.Errorf("recorded %v, want a and t", rec.Rects)
	}
	if r := rec.Rects["t"]; r.Min != image.Pt(1010, 10+20+6+30+6) || r.Dy() == 0 || r.Dx() > c.Width() {
		t.Errorf("text at %v, want below the others, within %d px", r, c.Width())
	}
	if !slices.Equal(rec.Texts, []string{"hello", "bold"}) {
		t.Errorf("texts %q", rec.Texts)
	}
}

// TestRow: a row wraps when the next widget would pass the column's width,
// and the column continues below the last row.
func TestRow(t *testing.T) {
	var rec Record
	c := &Column{Gtx: gtxOf(100), Rec: &rec, Pad: 5, Y: 5, Gap: 4}
	c.Row(Item{"a", "A", fixed(40, 10)}, Item{"b", "B", fixed(40, 16)}, Item{"c", "C", fixed(40, 10)})
	want := map[string]image.Rectangle{
		"a": image.Rect(5, 5, 45, 15),
		"b": image.Rect(49, 5, 89, 21), // 5+40+4+40 = 89 ≤ 5+90
		"c": image.Rect(5, 25, 45, 35), // 44+4+40 > 90: wrapped below the taller b
	}
	for n, r := range want {
		if rec.Rects[n] != r {
			t.Errorf("%s at %v, want %v", n, rec.Rects[n], r)
		}
	}
	if c.Y != 39 {
		t.Errorf("next line at %d, want 39", c.Y)
	}
	if !slices.Equal(rec.Texts, []string{"A", "B", "C"}) {
		t.Errorf("texts %q", rec.Texts)
	}
}

// TestRecordClone: a clone shares nothing, and an empty record's clone
// has a map to read.
func TestRecordClone(t *testing.T) {
	var rec Record
	if c := rec.Clone(); c.Rects == nil {
		t.Error("clone of an empty record has nil Rects")
	}
	rec.Place("a", image.Rect(0, 0, 1, 1))
	rec.Texts = append(rec.Texts, "x")
	c := rec.Clone()
	c.Rects["a"] = image.Rectangle{}
	c.Texts[0] = "y"
	if rec.Rects["a"].Empty() || rec.Texts[0] != "x" {
		t.Error("changing the clone changed the record")
	}
}
