package appsel

import (
	"image"
	"slices"
)

// Windows returns the mapped application windows, top of the stack first.
func (t *Tracker) Windows() []Window {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.listed()
}

// Select shares exactly the windows ids (IDs from Windows) and follows
// their programs: a window that a chosen program opens later joins the
// selection. IDs no longer on screen are ignored; an empty list shares
// nothing.
func (t *Tracker) Select(ids []uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sel := selection{ids: make(map[uint32]bool), programs: make(map[program]bool)}
	for _, e := range t.entries {
		if e.listed && slices.Contains(ids, e.ID) {
			sel.ids[e.ID] = true
			if p, ok := e.program(); ok {
				sel.programs[p] = true
			}
		}
	}
	t.sel = sel
	t.update()
}

// SelectAll shares the whole screen, the default.
func (t *Tracker) SelectAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sel = selection{all: true}
	t.update()
}

// Region returns what is shared now.
func (t *Tracker) Region() Region {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Region{All: t.region.All, Rects: slices.Clone(t.region.Rects)}
}

// Changed is signalled (coalesced, never blocking the tracker) after any
// change of Windows or Region.
func (t *Tracker) Changed() <-chan struct{} { return t.changed }

// Close stops following the display and closes the connection.
func (t *Tracker) Close() error {
	t.conn.Close()
	<-t.done
	return nil
}

// listed returns the application windows among the entries; t.mu held.
func (t *Tracker) listed() []Window {
	var out []Window
	for _, e := range t.entries {
		if e.listed {
			out = append(out, e.Window)
		}
	}
	return out
}

// chosen reports whether e is shared under the selection; t.mu held.
func (t *Tracker) chosen(e entry) bool {
	if t.exclude != nil && t.exclude(e.ID) {
		return false
	}
	if e.listed && t.sel.ids[e.ID] {
		return true
	}
	p, ok := e.program()
	return ok && t.sel.programs[p]
}

// update recomputes the region and signals if it moved; t.mu held.
func (t *Tracker) update() {
	r := Region{All: t.sel.all}
	if !r.All {
		stack := make([]image.Rectangle, len(t.entries))
		chosen := make([]bool, len(t.entries))
		for i, e := range t.entries {
			stack[i], chosen[i] = e.Bounds, t.chosen(e)
		}
		r.Rects = visible(t.screen, stack, chosen)
	}
	if !r.equal(t.region) {
		t.region = r
		t.notify()
	}
}

func (t *Tracker) notify() {
	select {
	case t.changed <- struct{}{}:
	default:
	}
}
