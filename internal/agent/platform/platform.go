// Package platform is where the agent meets the operating system: one set
// of small interfaces for what a support session needs of the customer's
// computer, which package agentsession takes in its config and opens in
// this order for each run:
//
//   - Window: the agent's own window (questions, the session panel, chat,
//     transfers, the applications chooser);
//   - Screen: frames of changed pixels, the monitors, the pointer's
//     position and shape;
//   - Apps: the application windows the customer may choose to share, and
//     the region they cover;
//   - LocalInput: the customer's own keyboard and mouse (touching them
//     takes control back);
//   - Injector: the technician's keys and pointer, injected;
//   - Clipboard: the customer's clipboard text;
//   - Remove: the agent deleting itself when the session is over.
//
// The policy (what is shared, what input is let through) stays in
// agentsession and reaches an implementation as the callbacks of the
// options below. Native returns this system's implementation: X11 on Linux
// (x11_linux.go), nothing to share elsewhere until a backend exists. None
// shares nothing; package platformtest has an in-memory fake for tests.
package platform

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/agent/localinput"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/capture"
)

// Platform opens what the agent uses of the operating system. An Open
// method that returns nil and no error means this computer has none of it
// (no display, no window), and the agent goes without.
type Platform interface {
	// OpenWindow opens the agent's window; nil when it runs without one
	// (a scripted customer answers instead).
	OpenWindow(ctx context.Context) (Window, error)
	// OpenScreen opens the screen to share; nil when there is none.
	OpenScreen(ctx context.Context, o ScreenOptions) (Screen, error)
	// OpenApps follows the application windows, for the customer's choice
	// of what to share.
	OpenApps(ctx context.Context, o AppsOptions) (Apps, error)
	// WatchLocal watches the customer's own keyboard and mouse.
	WatchLocal(ctx context.Context, o LocalOptions) (LocalInput, error)
	// OpenInput opens remote input.
	OpenInput(ctx context.Context, o InputOptions) (Injector, error)
	// OpenClipboard opens the clipboard (text only).
	OpenClipboard(ctx context.Context) (Clipboard, error)
	// Remove deletes the agent and what it wrote (files the customer
	// accepted stay); it is called once, after everything above is
	// closed.
	Remove() error
}

// ScreenOptions configure OpenScreen.
type ScreenOptions struct {
	// Mark, when set, is called just before each frame's pixels are read;
	// the frame carries its Mark (see capture.Marker).
	Mark func() capture.Marker
}

// Screen is the shared screen: frames of changed pixels and the pointer.
type Screen interface {
	// Next returns the next frame once something changed; the frame is
	// the Screen's until the next call.
	Next(ctx context.Context) (*capture.Frame, error)
	// Refresh makes the next frame whole (dirty everywhere).
	Refresh()
	Monitors() []capture.Monitor
	// Select shares one monitor, or capture.All.
	Select(monitorID int) error
	// NextCursor returns the pointer when it moved or changed shape.
	NextCursor(ctx context.Context) (capture.Cursor, error)
	// CursorNow reads position and shape (pixels included) at once.
	CursorNow() (capture.Cursor, error)
	Close() error
}

// AppsOptions configure OpenApps.
type AppsOptions struct {
	// Exclude, when set, leaves windows out of the list (the agent's own).
	Exclude func(id uint32) bool
}

// Apps follows the customer's application windows and the region the
// chosen ones cover (see appsel.Tracker for the ordering rules).
type Apps interface {
	Region() appsel.Region
	// Settled returns the region as it was when the marker of stamp s
	// was handled, and whether no window changed after it.
	Settled(ctx context.Context, s appsel.Stamp) (appsel.Region, bool, error)
	// Marker is the marker the screen sends before a frame's pixels.
	Marker() capture.Marker
	// Changed is signalled when the windows or the region change.
	Changed() <-chan struct{}
	Windows() []appsel.Window
	Select(ids []uint32)
	SelectAll()
	Close() error
}

// LocalOptions configure WatchLocal.
type LocalOptions struct {
	// Ignore, when set, is asked about each event not injected by the
	// agent; events it accepts are not activity (the customer using the
	// agent's own window).
	Ignore func(kind localinput.Kind, at image.Point) bool
}

// LocalInput watches the customer's own keyboard and mouse.
type LocalInput interface {
	// Activity is signalled when the customer used them.
	Activity() <-chan struct{}
	LastActivity() time.Time
	// Injecting tells the watcher of an event the agent is about to
	// inject, so that it does not count as the customer's.
	Injecting(kind localinput.Kind, detail uint32, at image.Point)
	Close() error
}

// InputOptions configure OpenInput.
type InputOptions struct {
	// Monitor locates the monitor a pointer move names, for the
	// technician's per-monitor coordinates (input.Options.Monitor; called
	// on every pointer move: cached).
	Monitor func(id uint8) (image.Rectangle, bool)
	// Allow is asked before each event; refused events are dropped.
	Allow func(input.Target) bool
	// Injecting, when set, is told of each event right before it is
	// injected (for LocalInput.Injecting).
	Injecting func(kind localinput.Kind, detail uint32, at image.Point)
}

// Injector injects the technician's input.
type Injector interface {
	Inject(ev input.Event) error
	// Close releases every key and button still held.
	Close() error
}

// Clipboard is the customer's clipboard, text only.
type Clipboard interface {
	Get(ctx context.Context) (string, error)
	Set(text string) error
	// Changed is signalled when another program puts text on it.
	Changed() <-chan struct{}
	Close() error
}

// Window is the agent's own window (package agentui's UI on every system
// Gio runs on). Covers, Focused and WindowIDs keep remote input off it.
type Window interface {
	Ask(ctx context.Context, r agentui.Request) (agentui.Answer, error)
	SetStatus(s agentui.Status)
	// Actions delivers the panel's buttons; it is closed when the
	// customer closes the window.
	Actions() <-chan agentui.Action
	AddChat(from, text string, at time.Time)
	SetAppWindows(ws []agentui.AppWindow)
	// WhereAll says where the named controls are, for automation.
	WhereAll(names []string) map[string]image.Rectangle
	Covers(p image.Point) bool
	Focused() bool
	WindowIDs() []uint32
	Close() error
}

// Config configures Native.
type Config struct {
	// Display names the display to share ("" means the system's own: on
	// X11, $DISPLAY).
	Display string
	// Window opens the agent's window (OpenWindow); without it the agent
	// needs a scripted customer.
	Window bool
	// Remover deletes the agent at the end; nil deletes nothing.
	Remover Remover
	Logger  *slog.Logger // nil discards
}

// Remover is package selfremove's Remover as a platform uses it.
type Remover interface {
	Remove() error
	// SetUndo hands the self-removal guardian what undoes a change the
	// agent made outside the file system (remapped keys).
	SetUndo(name string, state []byte)
}

// None is a computer with nothing to share: no window, no screen. The
// agent can still join, and answers every request "not here".
type None struct{ Remover Remover }

// OpenWindow returns no window.
func (None) OpenWindow(context.Context) (Window, error) { return nil, nil }

// OpenScreen returns no screen.
func (None) OpenScreen(context.Context, ScreenOptions) (Screen, error) { return nil, nil }

// OpenApps is never called without a screen.
func (None) OpenApps(context.Context, AppsOptions) (Apps, error) { return nil, errNone }

// WatchLocal is never called without a screen.
func (None) WatchLocal(context.Context, LocalOptions) (LocalInput, error) { return nil, errNone }

// OpenInput is never called without a screen.
func (None) OpenInput(context.Context, InputOptions) (Injector, error) { return nil, errNone }

// OpenClipboard is never called without a screen.
func (None) OpenClipboard(context.Context) (Clipboard, error) { return nil, errNone }

// Remove runs the Remover, if any.
func (n None) Remove() error {
	if n.Remover == nil {
		return nil
	}
	return n.Remover.Remove()
}

var errNone = errors.New("nothing to share on this computer")
