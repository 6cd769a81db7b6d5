package viewer

import (
	"image"
	"io"
	"math"
	"strings"
	"time"

	"gioui.org/f32"
	"gioui.org/io/clipboard"
	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/io/pointer"
	"gioui.org/io/transfer"
	"gioui.org/layout"
	"gioui.org/op/clip"

	"github.com/tandem-remote/tandem/internal/link/input"
)

const (
	allMods   = key.ModCtrl | key.ModShift | key.ModAlt | key.ModSuper | key.ModCommand
	textMIME  = "application/text"
	allKinds  = pointer.Move | pointer.Drag | pointer.Press | pointer.Release | pointer.Scroll | pointer.Cancel | pointer.Enter | pointer.Leave
	wheelStep = input.WheelDetent / 20 // Gio's X11 backend reports 2×10 per wheel notch
)

// send queues an input event unless the viewer is view-only. It never
// blocks the window: if the reader has fallen a whole buffer behind, the
// event is dropped and logged.
func (u *ui) send(ev input.Event) {
	if u.viewOnly {
		return
	}
	select {
	case u.v.inputs <- ev:
	default:
		u.v.log.Warn("viewer input dropped", "type", int(ev.Type))
	}
}

func (u *ui) act(a Action) {
	select {
	case u.v.actions <- a:
	default:
		u.v.log.Warn("viewer action dropped", "action", a.Kind.String())
	}
}

// releaseAll lets go of everything held on the customer's side.
func (u *ui) releaseAll() {
	u.send(input.Event{Type: input.ReleaseAll})
	u.kb.reset()
	u.buttons = 0
}

// setViewOnly applies the view-only state, releasing whatever was held when
// control is withdrawn.
func (u *ui) setViewOnly(on bool) {
	if on && !u.viewOnly {
		u.releaseAll()
	}
	u.viewOnly = on
}

// focus follows the window's keyboard focus; keys held when it goes are
// released on the customer's side, since their key-up will go elsewhere.
func (u *ui) focus(focused bool) {
	if u.focused && !focused {
		u.releaseAll()
	}
	u.focused = focused
}

// registerInput makes the viewport the target of pointer events and keeps
// the keyboard focus on it.
func (u *ui) registerInput(gtx layout.Context) {
	defer clip.Rect(image.Rectangle{Max: u.geom.View}).Push(gtx.Ops).Pop()
	event.Op(gtx.Ops, u.tag)
	if !gtx.Focused(u.tag) && (!(u.chatFocused(gtx) || u.filesFocused(gtx)) || u.reclaim) {
		gtx.Execute(key.FocusCmd{Tag: u.tag})
	}
	u.reclaim = false
}

// handleScreen turns the viewport's pointer and keyboard events into input.
func (u *ui) handleScreen(gtx layout.Context) {
	for {
		e, ok := gtx.Event(
			pointer.Filter{Target: u.tag, Kinds: allKinds,
				ScrollX: pointer.ScrollRange{Min: math.MinInt32, Max: math.MaxInt32},
				ScrollY: pointer.ScrollRange{Min: math.MinInt32, Max: math.MaxInt32}},
			key.FocusFilter{Target: u.tag},
			key.Filter{Focus: u.tag, Optional: allMods},
			key.Filter{Focus: u.tag, Name: key.NameTab, Optional: allMods},
			transfer.TargetFilter{Target: u.tag, Type: textMIME},
		)
		if !ok {
			break
		}
		u.screenEvent(e)
	}
	u.kb.flush()
	u.flushWheel()
}

func (u *ui) screenEvent(e event.Event) {
	switch e := e.(type) {
	case pointer.Event:
		u.pointer(e)
	case key.Event:
		u.kb.key(e)
	case key.EditEvent:
		u.kb.edit(e.Text)
	case transfer.DataEvent:
		u.clipboardData(e)
	}
}

// pointer forwards one pointer event. Moves over the letterbox borders are
// dropped; button releases never are, so nothing stays pressed.
func (u *ui) pointer(e pointer.Event) {
	_, u.cur.over = u.geom.toRemote(e.Position)
	if e.Kind == pointer.Leave || e.Kind == pointer.Cancel {
		u.cur.over = false
	} else {
		u.cur.moved = time.Now()
	}
	switch e.Kind {
	case pointer.Move, pointer.Drag:
		u.move(e.Position)
	case pointer.Press:
		u.reclaim = true
		if u.move(e.Position) {
			u.setButtons(uint8(e.Buttons))
		}
	case pointer.Release, pointer.Cancel:
		u.setButtons(uint8(e.Buttons))
	case pointer.Scroll:
		if u.move(e.Position) {
			u.wheel = u.wheel.Add(e.Scroll)
		}
	}
}

// flushWheel sends the frame's scrolling as one Wheel event. Gio's X11
// backend reports each wheel notch twice (button press and release), 10
// units each; summing per frame also keeps fast scrolling to one message
// a frame. The agent keeps fractions of a notch for the next event.
func (u *ui) flushWheel() {
	if u.wheel == (f32.Point{}) {
		return
	}
	u.send(input.Event{Type: input.Wheel, DX: wheel(u.wheel.X), DY: wheel(u.wheel.Y)})
	u.wheel = f32.Point{}
}

func (u *ui) move(p f32.Point) bool {
	q, ok := u.geom.toRemote(p)
	if !ok {
		return false
	}
	ev := input.Event{Type: input.PointerMove, X: uint16(q.X), Y: uint16(q.Y)}
	if u.shown != nil {
		ev.Monitor = uint8(u.shown.Monitor)
	}
	if ev != u.lastMove { // a press or scroll repeats the position
		u.send(ev)
		u.lastMove = ev
	}
	return true
}

// gioButtons lists Gio's pointer buttons beside the wire's.
var gioButtons = [...]struct {
	gio  pointer.Buttons
	wire input.Button
}{
	{pointer.ButtonPrimary, input.ButtonLeft},
	{pointer.ButtonSecondary, input.ButtonRight},
	{pointer.ButtonTertiary, input.ButtonMiddle},
	{pointer.ButtonQuaternary, input.ButtonBack},
	{pointer.ButtonQuinary, input.ButtonForward},
}

// setButtons sends a down or up event for each button that changed.
func (u *ui) setButtons(now uint8) {
	for _, b := range gioButtons {
		was, is := u.buttons&uint8(b.gio) != 0, now&uint8(b.gio) != 0
		switch {
		case is && !was:
			u.send(input.Event{Type: input.ButtonDown, Button: b.wire})
		case was && !is:
			u.send(input.Event{Type: input.ButtonUp, Button: b.wire})
		}
	}
	u.buttons = now
}

// wheel converts Gio's scroll distance to 120ths of a notch.
func wheel(d float32) int16 {
	v := math.Round(float64(d) * wheelStep)
	return int16(max(math.MinInt16, min(math.MaxInt16, v)))
}

// clipboardData answers a clipboard read started by "Send clipboard".
func (u *ui) clipboardData(e transfer.DataEvent) {
	r := e.Open()
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, input.MaxClipboard+1))
	if err != nil || len(b) > input.MaxClipboard {
		u.v.log.Warn("viewer clipboard not sent", "bytes", len(b), "err", err)
		return
	}
	u.act(Action{Kind: ActionSendClipboard, Text: string(b)})
}

func (u *ui) writeClipboard(gtx layout.Context, text string) {
	gtx.Execute(clipboard.WriteCmd{Type: textMIME, Data: io.NopCloser(strings.NewReader(text))})
}
