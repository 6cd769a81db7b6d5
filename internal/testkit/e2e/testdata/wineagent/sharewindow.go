package main

import (
	"context"
	"image"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/agent/platform"
)

// sharing is the Windows platform with a scripted window for the customer:
// the session's own window code (questions, the apps chooser) runs
// against it as against the agent's Gio window.
type sharing struct {
	platform.Platform
	title string
}

func (s sharing) OpenWindow(context.Context) (platform.Window, error) {
	return &shareWindow{title: s.title, actions: make(chan agentui.Action, 1), shared: make(chan struct{})}, nil
}

// shareWindow chooses the application window titled title in the apps
// chooser as soon as the chooser lists it, and allows every question once
// the chooser shows it shared: so nothing else is ever shared, not even
// the first frame.
type shareWindow struct {
	title   string
	actions chan agentui.Action
	shared  chan struct{} // closed once the chooser marks it shared

	mu     sync.Mutex
	chosen bool
	once   sync.Once
}

func (w *shareWindow) Ask(ctx context.Context, _ agentui.Request) (agentui.Answer, error) {
	select {
	case <-w.shared:
		return agentui.Allow, nil
	case <-ctx.Done():
		return agentui.Deny, ctx.Err()
	}
}

func (w *shareWindow) SetAppWindows(ws []agentui.AppWindow) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, a := range ws {
		if a.Title != w.title {
			continue
		}
		if a.Selected {
			w.once.Do(func() { close(w.shared) })
		} else if !w.chosen {
			w.chosen = true
			w.actions <- agentui.Action{Kind: agentui.ChooseApps, Windows: []uint32{a.ID}}
		}
	}
}

func (w *shareWindow) Actions() <-chan agentui.Action               { return w.actions }
func (w *shareWindow) SetStatus(agentui.Status)                     {}
func (w *shareWindow) AddChat(string, string, time.Time)            {}
func (w *shareWindow) WhereAll([]string) map[string]image.Rectangle { return nil }
func (w *shareWindow) Covers(image.Point) bool                      { return false }
func (w *shareWindow) Focused() bool                                { return false }
func (w *shareWindow) WindowIDs() []uint32                          { return nil }
func (w *shareWindow) Close() error                                 { return nil }
