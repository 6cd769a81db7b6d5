package viewer

import (
	"fmt"
	"image"
	"testing"

	"github.com/tandem-remote/tandem/internal/link/input"
)

// TestChat: the Chat button opens the pane; what the technician types
// there goes out as a chat action on Enter, not as keys to the customer's
// machine; a click back on the screen gives the keyboard back to it; a
// message from the customer opens the pane and shows.
func TestChat(t *testing.T) {
	r := openPattern(t, 1280, 720)
	xdotool(t, "windowfocus", "--sync", r.id)
	r.click(t, btnChat)
	waitFor(t, "the chat pane", func() bool { return !r.info().chat.Empty() })
	// The text field is the pane's last line.
	c := r.info().chat
	p := r.win.Min.Add(image.Pt(c.Min.X+100, c.Max.Y-10))
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1")
	for len(r.v.Input()) > 0 { // the moves on the way
		<-r.v.Input()
	}
	xdotool(t, "type", "hello")
	xdotool(t, "key", "Return")
	if a := r.action(t); a.Kind != ActionChat || a.Text != "hello" {
		t.Fatalf("chat: got %+v, want the typed line", a)
	}
	for len(r.v.Input()) > 0 {
		if ev := <-r.v.Input(); ev.Type != input.PointerMove { // moves are fine
			t.Fatalf("typing in the chat sent %s to the customer", describe(ev))
		}
	}
	before := r.info().chat
	r.v.AddChat("customer", "thanks")
	waitFor(t, "the customer's line to grow the pane", func() bool { return r.info().chat.Dy() > before.Dy() })

	// A click on the screen gives the keyboard back to the customer's
	// machine.
	p = r.screenPoint(640, 200)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1")
	// The click moves the keyboard in the frame that reads it; a key
	// typed before that frame would still go to the chat.
	waitFor(t, "the screen to take the keyboard", func() bool { return r.info().Editing == "" })
	xdotool(t, "type", "x")
	waitFor(t, "keys to reach the customer again", func() bool {
		for len(r.v.Input()) > 0 {
			if ev := <-r.v.Input(); ev.Type == input.KeyDown || ev.Type == input.Text {
				return true
			}
		}
		return false
	})
}
