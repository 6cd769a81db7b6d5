package agentsession

import (
	"context"

	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/media/capture"
)

// appsMarker is the capture's Mark: while the customer shares chosen
// applications, the window tracker's marker, which the capture sends just
// before each frame's pixels are read and the gate hands to Settled.
func appsMarker(apps platform.Apps) capture.Marker {
	if apps.Region().All {
		return capture.Marker{}
	}
	return apps.Marker()
}

// followApps keeps the shared picture in step with the customer's
// windows. The capture sees only damage, not the shared region, so when a
// chosen window moves, is covered or uncovered, or a window of a chosen
// program appears, the capture is asked for a whole fresh frame, which the
// gate then masks to the new region. The chooser's list is refreshed on
// every change (changed, when not nil, hears of it).
func (a *screenShare) followApps(ctx context.Context, changed func([]appsel.Window)) {
	last := a.apps.Region()
	for {
		select {
		case <-a.apps.Changed():
		case <-ctx.Done():
			return
		}
		if r := a.apps.Region(); !sameRegion(r, last) {
			last = r
			a.scr.Refresh()
		}
		if changed != nil {
			changed(a.apps.Windows())
		}
	}
}

// chooseApps shares only the windows ids, or the whole screen.
func (a *screenShare) chooseApps(all bool, ids []uint32) {
	if all {
		a.apps.SelectAll()
	} else {
		a.apps.Select(ids)
	}
	a.consent.setAppsOnly(!all)
	a.scr.Refresh()
}

// windowShared reports whether keyboard input may go to top-level window
// w: the whole screen is shared, or w is a listed application window that
// shows in the shared region.
func (a *agentScreen) windowShared(w uint32) bool {
	r := a.apps.Region()
	if r.All {
		return true
	}
	for _, win := range a.apps.Windows() {
		if win.ID != w {
			continue
		}
		for _, rect := range r.Rects {
			if rect.Overlaps(win.Bounds) {
				return true
			}
		}
	}
	return false
}
