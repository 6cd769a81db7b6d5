package viewer_test

import (
	"context"
	"image"
	"log/slog"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/vpx"
	"github.com/tandem-remote/tandem/internal/technician/viewer"
)

// The technician's session wires the viewer between the decoder and the
// data channels. Run blocks, so the session runs it on its own goroutine
// (or the main one) and feeds it from others.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v := viewer.New(viewer.Config{Title: "Tandem — 123 456 789", Logger: slog.Default()})

	decoded := make(chan *vpx.I420) // from the video track's decoder
	go func() {
		for pic := range decoded {
			img := image.NewRGBA(image.Rect(0, 0, pic.Width, pic.Height))
			if vpx.I420ToRGBA(img, pic) == nil {
				v.Show(viewer.Frame{Image: img})
			}
		}
	}()
	go func() {
		var buf []byte
		for ev := range v.Input() {
			buf = input.Encode(buf[:0], ev)
			_ = buf // send on the input data channel
		}
	}()
	go func() {
		for a := range v.Actions() {
			if a.Kind == viewer.ActionDisconnect {
				cancel()
			}
		}
	}()
	v.SetStatus(viewer.Status{Path: "direct udp host→host", RTTms: 3, FPS: 30, Kbps: 2500})
	_ = v.Run(ctx) // returns when the window is closed or ctx ends
}
