package session

import (
	"fmt"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Cursor reports where the agent's pointer is, relative to the shared
// monitor, and which shape it has. Only with -json: people have the
// viewer for that, and a line per movement would drown the other events.
func (r *Reporter) Cursor(p proto.CursorPos) {
	if !r.json {
		return
	}
	r.emit(struct {
		Event  string `json:"event"`
		X      int32  `json:"x"`
		Y      int32  `json:"y"`
		Shape  uint32 `json:"shape"`
		Hidden bool   `json:"hidden,omitempty"`
	}{"cursor", p.X, p.Y, p.Serial, p.Hidden}, fmt.Sprintf("Remote pointer at %d,%d", p.X, p.Y))
}

// CursorShape reports a new shape of the agent's pointer (-json only).
func (r *Reporter) CursorShape(s proto.CursorShape) {
	if !r.json {
		return
	}
	r.emit(struct {
		Event  string `json:"event"`
		Shape  uint32 `json:"shape"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
		HotX   int    `json:"hot_x"`
		HotY   int    `json:"hot_y"`
	}{"cursor-shape", s.Serial, s.W, s.H, s.HotX, s.HotY}, "")
}
