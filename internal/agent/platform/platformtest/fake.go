// Package platformtest is an in-memory platform.Platform, so that a whole
// agent session runs in a test process with no display: a screen of
// synthetic frames that change only where the test paints (damage), a
// pointer the test moves, an injector that records what the technician
// sent, a clipboard in memory, a list of application windows, a customer
// watcher the test touches, and an agent window whose questions are
// answered by a script and whose panel the test presses. Remove counts
// its calls.
//
// The fake keeps the contracts the agent relies on: the first frame and
// the one after Refresh or Select are whole, Next waits for damage, the
// injector asks InputOptions.Allow before each event and tells
// InputOptions.Injecting of it, and the window's Actions is closed only
// when the test closes the window as a customer would.
package platformtest

import (
	"context"
	"sync"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/agent/platform"
)

// Options configure New.
type Options struct {
	// Width and Height are the one monitor's size; default 320×240.
	Width, Height int
	// Answer answers each question the agent's window asks; nil allows
	// everything.
	Answer func(agentui.Request) agentui.Answer
	// NoWindow runs the agent without its window (a scripted customer).
	NoWindow bool
	// Windows are the application windows the chooser lists.
	Windows []appsel.Window
}

// Platform is the fake. Its parts are reachable for the test to drive
// and inspect; each is opened (and closed) by the agent.
type Platform struct {
	Screen    *Screen
	Window    *Window
	Apps      *Apps
	Local     *Local
	Input     *Injector
	Clipboard *Clipboard

	noWindow bool

	mu      sync.Mutex
	removed int
}

var _ platform.Platform = (*Platform)(nil)

// New returns a fake platform with nothing opened yet.
func New(o Options) *Platform {
	if o.Width == 0 || o.Height == 0 {
		o.Width, o.Height = 320, 240
	}
	return &Platform{
		Screen: newScreen(o.Width, o.Height), Window: newWindow(o.Answer), Apps: newApps(o.Windows),
		Local: newLocal(), Input: newInjector(), Clipboard: newClipboard(),
		noWindow: o.NoWindow,
	}
}

// OpenWindow returns the scripted window (none with Options.NoWindow).
func (p *Platform) OpenWindow(context.Context) (platform.Window, error) {
	if p.noWindow {
		return nil, nil
	}
	return p.Window, nil
}

// OpenScreen returns the synthetic screen, marking frames with o.Mark.
func (p *Platform) OpenScreen(_ context.Context, o platform.ScreenOptions) (platform.Screen, error) {
	p.Screen.open(o)
	return p.Screen, nil
}

// OpenApps returns the fake window list, leaving out what o excludes.
func (p *Platform) OpenApps(_ context.Context, o platform.AppsOptions) (platform.Apps, error) {
	p.Apps.open(o)
	return p.Apps, nil
}

// WatchLocal returns the customer watcher the test touches.
func (p *Platform) WatchLocal(_ context.Context, o platform.LocalOptions) (platform.LocalInput, error) {
	return p.Local, nil
}

// OpenInput returns the recording injector, which asks o.Allow.
func (p *Platform) OpenInput(_ context.Context, o platform.InputOptions) (platform.Injector, error) {
	p.Input.open(o)
	return p.Input, nil
}

// OpenClipboard returns the clipboard in memory.
func (p *Platform) OpenClipboard(context.Context) (platform.Clipboard, error) {
	return p.Clipboard, nil
}

// Remove counts the call; Removed reports it.
func (p *Platform) Remove() error {
	p.mu.Lock()
	p.removed++
	p.mu.Unlock()
	return nil
}

// Removed reports how many times the agent asked to remove itself.
func (p *Platform) Removed() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.removed
}
