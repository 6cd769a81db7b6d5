package platformtest

import (
	"context"
	"image"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
)

// Window is the agent's window as a script: questions are answered by
// Options.Answer and recorded; the test presses the panel's buttons with
// Act; chat lines and the status shown are recorded.
type Window struct {
	answer  func(agentui.Request) agentui.Answer
	actions chan agentui.Action
	chat    chan ChatLine
	asked   chan agentui.Request

	mu        sync.Mutex
	questions []agentui.Request
	status    agentui.Status
	apps      []agentui.AppWindow
	closed    bool
	closeOnce sync.Once
}

// ChatLine is one chat message the window showed.
type ChatLine struct {
	From, Text string
	At         time.Time
}

func newWindow(answer func(agentui.Request) agentui.Answer) *Window {
	if answer == nil {
		answer = func(agentui.Request) agentui.Answer { return agentui.Allow }
	}
	return &Window{answer: answer, actions: make(chan agentui.Action, 16), chat: make(chan ChatLine, 64),
		asked: make(chan agentui.Request, 64)}
}

// Ask records r and answers it by the script, at once.
func (w *Window) Ask(ctx context.Context, r agentui.Request) (agentui.Answer, error) {
	if err := ctx.Err(); err != nil {
		return agentui.Deny, err
	}
	w.mu.Lock()
	w.questions = append(w.questions, r)
	w.mu.Unlock()
	select {
	case w.asked <- r:
	default:
	}
	if r.Ready != nil {
		r.Ready(image.Rect(0, 0, 80, 24), image.Rect(90, 0, 170, 24))
	}
	return w.answer(r), nil
}

// Asked brings each question as the window is asked it.
func (w *Window) Asked() <-chan agentui.Request { return w.asked }

// Questions returns every question asked so far.
func (w *Window) Questions() []agentui.Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]agentui.Request(nil), w.questions...)
}

// SetStatus records the panel's state.
func (w *Window) SetStatus(s agentui.Status) {
	w.mu.Lock()
	w.status = s
	w.mu.Unlock()
}

// Status returns the panel's state as last set.
func (w *Window) Status() agentui.Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// Act presses a panel button (or sends a chat line) as the customer.
func (w *Window) Act(a agentui.Action) { w.actions <- a }

// CloseByCustomer closes the window as the customer would (its Actions
// channel closes: the session stops).
func (w *Window) CloseByCustomer() { w.closeOnce.Do(func() { close(w.actions) }) }

// Actions delivers what Act pressed.
func (w *Window) Actions() <-chan agentui.Action { return w.actions }

// AddChat records a chat line.
func (w *Window) AddChat(from, text string, at time.Time) {
	select {
	case w.chat <- ChatLine{From: from, Text: text, At: at}:
	default:
	}
}

// Chat brings each chat line the window showed.
func (w *Window) Chat() <-chan ChatLine { return w.chat }

// SetAppWindows records the chooser's list.
func (w *Window) SetAppWindows(ws []agentui.AppWindow) {
	w.mu.Lock()
	w.apps = ws
	w.mu.Unlock()
}

// AppWindows returns the chooser's list as last set.
func (w *Window) AppWindows() []agentui.AppWindow {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.apps
}

// WhereAll places no control: the fake draws nothing.
func (w *Window) WhereAll([]string) map[string]image.Rectangle { return map[string]image.Rectangle{} }

// Covers is false: the fake window takes no room on the screen.
func (w *Window) Covers(image.Point) bool { return false }

// Focused is false: the fake window never has the keyboard.
func (w *Window) Focused() bool { return false }

// WindowIDs is empty: the fake window is no top-level window.
func (w *Window) WindowIDs() []uint32 { return nil }

// Close records that the agent closed its window.
func (w *Window) Close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	return nil
}

// Closed reports whether the agent closed its window.
func (w *Window) Closed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}
