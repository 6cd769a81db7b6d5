package viewer

import (
	"time"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// ShowI420 converts a decoded picture into a recycled RGBA buffer (a
// picture.Pool: a fresh 8 MB buffer per 1080p frame costs tens of
// milliseconds, reusing one nothing) and shows it (see Show). pic is only
// read during the call.
func (v *Viewer) ShowI420(pic *vpx.I420, monitor int) error {
	return v.ShowI420Presented(pic, monitor, nil)
}

// ShowI420Presented is ShowI420 with a Frame.Presented hook: presented,
// if not nil, gets the time the window frame drawing the picture was
// submitted.
func (v *Viewer) ShowI420Presented(pic *vpx.I420, monitor int, presented func(time.Time)) error {
	img, release, err := v.pool.FromI420(pic)
	if err != nil {
		return err
	}
	v.Show(Frame{Image: img, Monitor: monitor, Done: release, Presented: presented})
	return nil
}
