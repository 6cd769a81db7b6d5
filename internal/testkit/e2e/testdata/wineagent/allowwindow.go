package main

import (
	"context"
	"image"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/agent/platform"
)

// windowed is the Windows platform with a scripted window that allows
// every question: the agent puts files to the customer only in a window,
// so a session that receives files (-download-dir) needs one.
type windowed struct {
	platform.Platform
}

func (windowed) OpenWindow(context.Context) (platform.Window, error) {
	return allowWindow{make(chan agentui.Action)}, nil
}

// allowWindow answers Allow at once and never acts on the panel.
type allowWindow struct {
	actions chan agentui.Action
}

func (allowWindow) Ask(context.Context, agentui.Request) (agentui.Answer, error) {
	return agentui.Allow, nil
}

func (w allowWindow) Actions() <-chan agentui.Action             { return w.actions }
func (allowWindow) SetStatus(agentui.Status)                     {}
func (allowWindow) AddChat(string, string, time.Time)            {}
func (allowWindow) SetAppWindows([]agentui.AppWindow)            {}
func (allowWindow) WhereAll([]string) map[string]image.Rectangle { return nil }
func (allowWindow) Covers(image.Point) bool                      { return false }
func (allowWindow) Focused() bool                                { return false }
func (allowWindow) WindowIDs() []uint32                          { return nil }
func (allowWindow) Close() error                                 { return nil }
