package winapps

import (
	"image"
	"slices"

	"github.com/tandem-remote/tandem/internal/agent/appsel"
)

// Windows returns the application windows the customer may choose, top of
// the stack first.
func (t *Tracker) Windows() []appsel.Window {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.listed()
}

// Select shares exactly the windows ids (IDs from Windows) and the other
// windows of their processes, now and later. IDs no longer listed are
// ignored; an empty list shares nothing.
func (t *Tracker) Select(ids []uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sel := selection{ids: make(map[uint32]bool), pids: make(map[int]bool)}
	for _, w := range t.layout.Windows {
		if w.Listed && slices.Contains(ids, w.ID) {
			sel.ids[w.ID] = true
			if w.PID > 0 {
				sel.pids[w.PID] = true
			}
		}
	}
	t.sel = sel
	t.update()
	signal(t.poke)
}

// SelectAll shares the whole screen, the default.
func (t *Tracker) SelectAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sel = selection{all: true}
	t.update()
}

// Region returns what is shared now.
func (t *Tracker) Region() appsel.Region {
	t.mu.Lock()
	defer t.mu.Unlock()
	return appsel.Region{All: t.region.All, Rects: slices.Clone(t.region.Rects)}
}

// listed returns the listed windows of the layout; t.mu held.
func (t *Tracker) listed() []appsel.Window {
	var out []appsel.Window
	for _, w := range t.layout.Windows {
		if w.Listed {
			out = append(out, appsel.Window{ID: w.ID, Title: w.Title, Program: w.Program, PID: w.PID, Bounds: w.Bounds})
		}
	}
	return out
}

// chosen reports whether w is shared under the selection; t.mu held. The
// agent's own windows never are, nor the shell's through their process.
func (t *Tracker) chosen(w Top) bool {
	if t.o.Exclude != nil && t.o.Exclude(w.ID) {
		return false
	}
	if w.Listed && t.sel.ids[w.ID] {
		return true
	}
	return !w.Shell && w.PID > 0 && t.sel.pids[w.PID]
}

// update recomputes the region and signals if it moved; t.mu held.
func (t *Tracker) update() {
	r := appsel.Region{All: t.sel.all}
	if !r.All {
		ws := t.layout.Windows
		stack := make([]image.Rectangle, len(ws))
		chosen := make([]bool, len(ws))
		for i, w := range ws {
			stack[i], chosen[i] = w.Bounds, t.chosen(w)
		}
		r.Rects = appsel.Visible(t.layout.Screen, stack, chosen)
	}
	if r.All != t.region.All || !slices.Equal(r.Rects, t.region.Rects) {
		t.region = r
		t.notify()
	}
}
