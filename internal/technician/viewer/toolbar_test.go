package viewer

import (
	"context"
	"fmt"
	"image"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestToolbar clicks every toolbar button and checks what comes out.
func TestToolbar(t *testing.T) {
	r := openPattern(t, 1280, 720)
	r.v.SetStatus(Status{Path: "direct udp host→host", RTTms: 12, FPS: 30, Kbps: 4100, Peer: "agent 123 456 789",
		Screen: proto.ScreenInfo{Monitors: []proto.Monitor{{ID: 1, Name: "DP-1", Width: 1920, Height: 1080},
			{ID: 2, Name: "HDMI-1", X: 1920, Width: 1280, Height: 1024}}}})
	waitFor(t, "monitor buttons", func() bool { _, ok := r.info().Rects[btnMonitor(1)]; return ok })
	t.Logf("screenshot: %s", savePNG(t, "viewer-toolbar.png", screenshot(t)))

	// Clicks on the toolbar between buttons, and on the status line, are
	// the technician's, not the customer's.
	last := r.info().Rects[btnDisconnect]
	gap := r.win.Min.Add(image.Pt(last.Max.X+40, last.Min.Y+3))
	status := r.win.Min.Add(image.Pt(r.win.Dx()/2, r.win.Dy()-4))
	xdotool(t, "mousemove", "--sync", fmt.Sprint(gap.X), fmt.Sprint(gap.Y), "click", "1",
		"mousemove", "--sync", fmt.Sprint(status.X), fmt.Sprint(status.Y), "click", "1")
	r.click(t, btnGetClip)
	if a := r.action(t); a.Kind != ActionGetClipboard {
		t.Fatalf("get-clipboard button: got %+v", a)
	}
	if n := len(r.v.Input()); n != 0 {
		t.Errorf("clicks outside the remote screen sent %d input events, first %s", n, describe(<-r.v.Input()))
	}

	r.click(t, btnMonitor(1))
	if a := r.action(t); a.Kind != ActionSelectMonitor || a.Monitor != 1 {
		t.Errorf("monitor button: got %+v, want select-monitor 1", a)
	}
	for name, keys := range chords {
		r.click(t, name)
		var want []string
		for _, ev := range chordEvents(keys) {
			want = append(want, describe(ev))
		}
		r.expect(t, true, want...)
	}

	clip := x11Clipboard(t)
	if err := clip.Set("from the technician ✓"); err != nil {
		t.Fatal(err)
	}
	r.click(t, btnSendClip)
	if a := r.action(t); a.Kind != ActionSendClipboard || a.Text != "from the technician ✓" {
		t.Errorf("send-clipboard button: got %+v", a)
	}
	r.click(t, btnGetClip)
	if a := r.action(t); a.Kind != ActionGetClipboard {
		t.Errorf("get-clipboard button: got %+v", a)
	}
	r.v.SetClipboard("from the customer ✓")
	waitFor(t, "the clipboard to be set", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s, _ := clip.Get(ctx)
		return s == "from the customer ✓"
	})
	r.click(t, btnDisconnect)
	if a := r.action(t); a.Kind != ActionDisconnect {
		t.Errorf("disconnect button: got %+v", a)
	}
}

func x11Clipboard(t *testing.T) *input.X11Clipboard {
	t.Helper()
	c, err := input.NewX11Clipboard(input.ClipboardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
