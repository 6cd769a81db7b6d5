package capture

import (
	"fmt"
	"github.com/tandem-remote/tandem/internal/media/xconn"
	"image"
	"log/slog"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
)

// damageState is the server-side record of what changed on the root window
// since the last frame, and a region to read it into.
type damageState struct {
	id     damage.Damage
	region xfixes.Region
}

// initXFixes enables cursor-shape notifications; DAMAGE needs XFixes too,
// for its regions.
func initXFixes(c *xgb.Conn, root xproto.Window, log *slog.Logger) bool {
	if err := xconn.Ext(c, "XFIXES", xfixes.Init); err != nil {
		log.Info("capture: no XFixes extension: no cursor shapes, no damage tracking")
		return false
	}
	if _, err := xfixes.QueryVersion(c, 5, 0).Reply(); err != nil {
		log.Info("capture: XFixes version query failed", "err", err)
		return false
	}
	xfixes.SelectCursorInput(c, root, xfixes.CursorNotifyMaskDisplayCursor)
	return true
}

// initDamage starts tracking damage on the root window. NonEmpty level: the
// server sends one event when the damage goes from empty to non-empty, and
// Next fetches the region itself, so a busy screen cannot flood the
// connection with events.
func initDamage(c *xgb.Conn, root xproto.Window, log *slog.Logger) *damageState {
	if err := xconn.Ext(c, "DAMAGE", damage.Init); err != nil {
		return nil
	}
	if _, err := damage.QueryVersion(c, 1, 1).Reply(); err != nil {
		log.Info("capture: DAMAGE version query failed", "err", err)
		return nil
	}
	d, err := newDamage(c, root)
	if err != nil {
		log.Info("capture: DAMAGE unusable", "err", err)
		return nil
	}
	return d
}

func newDamage(c *xgb.Conn, root xproto.Window) (*damageState, error) {
	id, err := damage.NewDamageId(c)
	if err != nil {
		return nil, err
	}
	region, err := xfixes.NewRegionId(c)
	if err != nil {
		return nil, err
	}
	if err := xfixes.CreateRegionChecked(c, region, nil).Check(); err != nil {
		return nil, fmt.Errorf("create region: %w", err)
	}
	if err := damage.CreateChecked(c, id, xproto.Drawable(root), damage.ReportLevelNonEmpty).Check(); err != nil {
		return nil, fmt.Errorf("create damage: %w", err)
	}
	return &damageState{id: id, region: region}, nil
}

func isDamage(ev xgb.Event) bool {
	_, ok := ev.(damage.NotifyEvent)
	return ok
}

// take empties the server's damage and appends what it held to dst, in
// virtual-screen coordinates. Changes made after this call raise a new
// event, so none is lost between take and the grab that follows.
func (d *damageState) take(c *xgb.Conn, dst []image.Rectangle) ([]image.Rectangle, error) {
	damage.Subtract(c, d.id, xfixes.RegionNone, d.region)
	r, err := xfixes.FetchRegion(c, d.region).Reply()
	if err != nil {
		return dst, fmt.Errorf("fetch damaged region: %w", err)
	}
	for _, x := range r.Rectangles {
		dst = append(dst, image.Rect(int(x.X), int(x.Y), int(x.X)+int(x.Width), int(x.Y)+int(x.Height)))
	}
	return dst, nil
}

// destroy frees the server-side objects; a nil damageState does nothing.
func (d *damageState) destroy(c *xgb.Conn) {
	if d == nil {
		return
	}
	damage.Destroy(c, d.id)
	xfixes.DestroyRegion(c, d.region)
}
