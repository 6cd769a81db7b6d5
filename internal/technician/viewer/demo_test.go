package viewer

import (
	"context"
	"flag"
	"fmt"
	"image"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

var demo = flag.Bool("demo", false, "open the viewer on $DISPLAY with a moving test pattern, for a human to try")

// TestDemo opens the viewer on the real display with a synthetic remote
// screen (the test pattern with a bar moving across, at 30 fps) and prints
// the input events and toolbar actions it produces, until the window is
// closed or Disconnect is clicked:
//
//	go test ./internal/technician/viewer -run TestDemo -demo -v
func TestDemo(t *testing.T) {
	if !*demo {
		t.Skip("a demo for a human: run with -demo -v on a desktop")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v := New(Config{Title: "Tandem viewer demo", Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	v.SetStatus(Status{Path: "demo (no network)", Peer: "synthetic", RTTms: 0, FPS: 30, Kbps: 0,
		Screen: proto.ScreenInfo{Monitors: []proto.Monitor{{ID: 1, Name: "Demo", Width: 1920, Height: 1080},
			{ID: 2, Name: "Other", X: 1920, Width: 1280, Height: 1024}}}})
	done := make(chan struct{})
	defer func() { <-done }()
	go func() { defer close(done); feedPattern(ctx, v, 1920, 1080) }()
	go printActions(v, cancel)
	go func() {
		for ev := range v.Input() {
			fmt.Println("input ", describe(ev))
		}
	}()
	if err := v.Run(ctx); err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	cancel()
	t.Logf("stats: %+v", v.Stats())
}

func printActions(v *Viewer, disconnect func()) {
	for a := range v.Actions() {
		fmt.Printf("action %s %+v\n", a.Kind, a)
		switch a.Kind {
		case ActionDisconnect:
			disconnect()
		case ActionGetClipboard:
			v.SetClipboard("text from the demo's remote clipboard at " + time.Now().Format(time.TimeOnly))
		case ActionViewOnly:
			v.SetViewOnly(a.ViewOnly)
		}
	}
}

// feedPattern shows the test pattern with a bar sweeping across, at 30
// frames a second, until ctx ends.
func feedPattern(ctx context.Context, v *Viewer, w, h int) {
	base := pattern(w, h)
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		img := image.NewRGBA(base.Rect)
		copy(img.Pix, base.Pix)
		x0 := (i * 16) % w
		for y := 0; y < h; y++ {
			row := img.Pix[y*img.Stride:]
			for x := x0; x < min(x0+64, w); x++ {
				row[4*x+1] ^= 0xff
			}
		}
		v.Show(Frame{Image: img, Seq: uint64(i)})
	}
}
