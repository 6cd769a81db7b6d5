package agentui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"gioui.org/app"
	"gioui.org/unit"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// openTimeout bounds how long Open waits for Gio's window to appear when
// ctx has no deadline.
const openTimeout = 20 * time.Second

// UI is the agent's window. Its methods are safe for concurrent use.
type UI struct {
	log     *slog.Logger
	texts   *texts
	model   *model
	win     *giowin.Window
	stop    context.CancelFunc // ends the window
	keeper  *keeper
	actions chan Action
	done    chan struct{} // closed when the window goroutine returns
	drawn   chan struct{} // closed when the first frame is drawn

	failure   error // why Gio gave up on the window; read after done
	focused   atomic.Bool
	closeOnce sync.Once

	mu     sync.Mutex
	layout layoutInfo // where the last frame put things, for tests
	frames uint64
}

// Open shows the window (the idle panel) in the screen's top-right corner
// and returns once it is there. ctx bounds the opening only; Close ends
// the window.
func Open(ctx context.Context, o Options) (*UI, error) {
	display, err := windowDisplay(o)
	if err != nil {
		return nil, err
	}
	if o.Title == "" {
		o.Title = "Tandem"
	}
	u := &UI{log: o.Logger, actions: make(chan Action, 64),
		done: make(chan struct{}), drawn: make(chan struct{})}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	_, u.texts = language(o.Lang)
	k, err := dialKeeper(display, u.log)
	if err != nil {
		return nil, fmt.Errorf("agentui: %w", err)
	}
	u.keeper = k
	u.model = newModel(u.invalidate)
	u.win = giowin.New(app.Title(o.Title), app.Size(unit.Dp(panelWidth), unit.Dp(120)))
	found := make(chan uint32, 1)
	run, stop := context.WithCancel(context.Background())
	u.stop = stop
	go u.serve(run, found)
	id, err := u.waitWindow(ctx, found)
	if err == nil {
		err = k.watch(id)
	}
	if err == nil {
		err = u.waitDrawn(ctx)
	}
	if err != nil {
		u.Close()
		return nil, fmt.Errorf("agentui: open window: %w", err)
	}
	u.log.Info("agentui window open", "window", id)
	return u, nil
}

// waitWindow waits for Gio to report its X window.
func (u *UI) waitWindow(ctx context.Context, found <-chan uint32) (uint32, error) {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	select {
	case id := <-found:
		return id, nil
	case <-u.done:
		return 0, fmt.Errorf("the window closed at once (is the X server reachable, with GLX or EGL?): %w",
			cmp.Or(u.failure, errors.New("no error from Gio")))
	case <-ctx.Done():
		return 0, fmt.Errorf("no window from Gio: %w", ctx.Err())
	}
}

// waitDrawn waits for the first frame.
func (u *UI) waitDrawn(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	select {
	case <-u.drawn:
		return nil
	case <-u.done:
		return errors.New("the window closed before it was drawn")
	case <-ctx.Done():
		return fmt.Errorf("window not drawn: %w", ctx.Err())
	}
}

// Ask shows r to the customer, after the questions asked before it, and
// returns the answer. It returns Timeout if nobody answers within
// r.Timeout of the question appearing, and Deny with ctx's error if ctx
// ends first (the question is withdrawn), or with ErrClosed if the window
// closes.
func (u *UI) Ask(ctx context.Context, r Request) (Answer, error) {
	if err := r.validate(); err != nil {
		return Deny, err
	}
	p, err := u.model.enqueue(r)
	if err != nil {
		return Deny, err
	}
	if r.Ready != nil {
		stop := make(chan struct{})
		defer close(stop)
		go u.watchReady(p.id, r.Ready, stop)
	}
	a, err := u.model.wait(ctx, p)
	u.log.Info("agentui question answered", "kind", r.Kind.String(), "answer", a.String())
	return a, err
}

// SetStatus replaces what the panel shows.
func (u *UI) SetStatus(s Status) { u.model.setStatus(s, u.texts.drawnAlike) }

// AddChat shows a chat message from the operator and opens the chat.
func (u *UI) AddChat(from, text string, at time.Time) { u.model.addChat(from, text, at) }

// SetAppWindows replaces the list the Apps chooser offers.
func (u *UI) SetAppWindows(ws []AppWindow) { u.model.setApps(ws) }

// Actions delivers what the customer asks for on the panel. It is closed
// when the window closes.
func (u *UI) Actions() <-chan Action { return u.actions }

// Bounds returns the window's rectangles on the root window, as they are
// now (borders and any window-manager frame included). Remote pointer
// events inside them must be dropped.
func (u *UI) Bounds() []image.Rectangle {
	r, err := u.keeper.bounds()
	if err != nil {
		return nil
	}
	return []image.Rectangle{r}
}

// Covers reports whether root position p is over the window.
func (u *UI) Covers(p image.Point) bool {
	for _, r := range u.Bounds() {
		if p.In(r) {
			return true
		}
	}
	return false
}

// WindowIDs returns the X IDs of the window (and of its frame, under a
// window manager), so that the agent can leave them out of what it shares.
func (u *UI) WindowIDs() []uint32 { return u.keeper.windowIDs() }

// Focused reports whether the window has the keyboard, as Gio or the X
// server sees it (the focus may follow the pointer). While it does, remote
// key events must be dropped, or the operator could answer its questions.
func (u *UI) Focused() bool { return u.focused.Load() || u.keeper.focused() }

// Close closes the window; pending questions are answered Deny with
// ErrClosed. It waits until nothing Open started is running.
func (u *UI) Close() error {
	u.closeOnce.Do(func() {
		u.stop()
		<-u.done
		u.keeper.close()
		u.model.close()
		u.log.Info("agentui window closed")
	})
	return nil
}

func (u *UI) invalidate() { u.win.Invalidate() }

// act delivers a to Actions. A customer cannot click faster than the
// agent reads, so a full channel means the agent is stuck; the action is
// logged and dropped rather than freezing the window.
func (u *UI) act(a Action) {
	select {
	case u.actions <- a:
	default:
		u.log.Warn("agentui action dropped", "action", a.Kind.String())
	}
}
