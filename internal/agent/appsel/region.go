package appsel

import "image"

// Region is the part of the screen that is shared, in root-window pixels.
// All means the whole screen (no masking); otherwise Rects lists disjoint
// rectangles and everything outside them is hidden. An empty Region with
// All false hides everything.
type Region struct {
	All   bool
	Rects []image.Rectangle
}

// Contains reports whether p is shared.
func (r Region) Contains(p image.Point) bool {
	if r.All {
		return true
	}
	for _, q := range r.Rects {
		if p.In(q) {
			return true
		}
	}
	return false
}

// equal reports whether r and o describe the same rectangles in the same
// order (the tracker builds them deterministically, so order is stable).
func (r Region) equal(o Region) bool {
	if r.All != o.All || len(r.Rects) != len(o.Rects) {
		return false
	}
	for i := range r.Rects {
		if r.Rects[i] != o.Rects[i] {
			return false
		}
	}
	return true
}

// subtract returns the parts of r outside cut: at most four rectangles (a
// band above, a band below, and the left and right pieces beside cut).
func subtract(r, cut image.Rectangle) []image.Rectangle {
	in := r.Intersect(cut)
	if in.Empty() {
		if r.Empty() {
			return nil
		}
		return []image.Rectangle{r}
	}
	var out []image.Rectangle
	add := func(q image.Rectangle) {
		if !q.Empty() {
			out = append(out, q)
		}
	}
	add(image.Rect(r.Min.X, r.Min.Y, r.Max.X, in.Min.Y))
	add(image.Rect(r.Min.X, in.Min.Y, in.Min.X, in.Max.Y))
	add(image.Rect(in.Max.X, in.Min.Y, r.Max.X, in.Max.Y))
	add(image.Rect(r.Min.X, in.Max.Y, r.Max.X, r.Max.Y))
	return out
}

// subtractAll removes cut from every rectangle of rs.
func subtractAll(rs []image.Rectangle, cut image.Rectangle) []image.Rectangle {
	var out []image.Rectangle
	for _, r := range rs {
		out = append(out, subtract(r, cut)...)
	}
	return out
}

// Visible is visible for trackers of other systems' windows (the Windows
// agent's, package winapps): the same rules, the same disjoint result.
func Visible(screen image.Rectangle, stack []image.Rectangle, chosen []bool) []image.Rectangle {
	return visible(screen, stack, chosen)
}

// visible computes what of a stack of windows is shared. stack lists
// window rectangles top first; chosen[i] says whether stack[i] is shared.
// A chosen window contributes its rectangle, clipped to screen, minus every
// window above it (chosen or not): the result is disjoint, and a chosen
// window above another covers it with its own contribution.
func visible(screen image.Rectangle, stack []image.Rectangle, chosen []bool) []image.Rectangle {
	var out []image.Rectangle
	for i, r := range stack {
		if !chosen[i] {
			continue
		}
		parts := []image.Rectangle{r.Intersect(screen)}
		if parts[0].Empty() {
			continue
		}
		for _, above := range stack[:i] {
			if parts = subtractAll(parts, above); len(parts) == 0 {
				break
			}
		}
		out = append(out, parts...)
	}
	return out
}
