package agentui

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestWhere: an automation client that knows only Where can answer a
// question with the real pointer, once the question is ready.
func TestWhere(t *testing.T) {
	o := openUI(t)
	answer := make(chan Answer, 1)
	go func() {
		a, _ := o.u.Ask(context.Background(), Request{Kind: KindSession, Operator: "Ana", Mode: ModeView, Timeout: 20 * time.Second})
		answer <- a
	}()
	var ready bool
	waitFor(t, "the question to be ready", func() bool {
		_, _, ready = o.u.Where(ControlAllow)
		return ready
	})
	r, shown, _ := o.u.Where(ControlAllow)
	if !shown || !r.In(o.u.Bounds()[0]) {
		t.Fatalf("Allow at %v (shown %v), outside the window %v", r, shown, o.u.Bounds())
	}
	p := r.Min.Add(r.Max).Div(2)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1")
	select {
	case a := <-answer:
		if a != Allow {
			t.Fatalf("answer %v, want Allow", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer after clicking where Where said Allow is")
	}
	waitFor(t, "the question to go", func() bool { _, shown, _ := o.u.Where(ControlAllow); return !shown })
}
