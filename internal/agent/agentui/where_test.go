package agentui

import (
	"context"
	"fmt"
	"image"
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

// TestReadyQueued: two questions asked at once, as a file request arriving
// with the session's question. Each one's Ready comes only when that
// question is the one drawn and accepts Allow — never while the one before
// it is still on screen — so a click where Ready said always answers it.
func TestReadyQueued(t *testing.T) {
	o := openUI(t)
	type shown struct {
		which string
		allow image.Rectangle
	}
	readies := make(chan shown, 2)
	answers := make(chan string, 2)
	ask := func(which string, r Request) {
		r.Timeout = 30 * time.Second
		r.Ready = func(allow, _ image.Rectangle) { readies <- shown{which, allow} }
		go func() {
			a, _ := o.u.Ask(context.Background(), r)
			answers <- which + " " + a.String()
		}()
	}
	ask("session", Request{Kind: KindSession, Operator: "Ana", Mode: ModeView})
	waitFor(t, "the first question on screen", func() bool { return o.info().prompt != 0 })
	ask("file", Request{Kind: KindFileOut, Operator: "Ana", File: "/home/c/notes.txt", Size: 3})
	for _, want := range []string{"session", "file"} {
		var s shown
		select {
		case s = <-readies:
		case <-time.After(20 * time.Second):
			t.Fatalf("no Ready for the %s question", want)
		}
		if s.which != want {
			t.Fatalf("Ready for the %s question while the %s question is on screen", s.which, want)
		}
		p := s.allow.Min.Add(s.allow.Max).Div(2)
		xdotool(t, "mousemove", "--sync", "0", "0", "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1")
		select {
		case got := <-answers:
			if got != want+" "+Allow.String() {
				t.Fatalf("answer %q, want %s allowed", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no answer after clicking where Ready said the %s question's Allow is", want)
		}
	}
}
