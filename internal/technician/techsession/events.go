package techsession

import (
	"time"

	"github.com/tandem-remote/tandem/internal/link/chat"
	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/media/vpx"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Event is something that happened in a session, for a viewer: one of the
// *Event types below. They go to TechnicianConfig.Events from the
// session's workers, several at once: the handler must be safe for
// concurrent use and quick (a FrameEvent holds up the decoder). The same
// events also go to the report (session.Reporter).
type Event interface{ techEvent() }

type (
	// FrameEvent is a decoded picture of the monitor the agent shares,
	// valid during the call only.
	FrameEvent struct {
		Pic     *vpx.I420
		Monitor int
		// Captured is when the agent captured the picture (its frame
		// announcement); zero when none was received for it.
		Captured time.Time
	}
	// PathEvent says how the link connected.
	PathEvent struct{ peer.Path }
	// StatsEvent brings the stream's figures, every StatsEvery.
	StatsEvent struct{ session.Stats }
	// ScreenEvent describes the agent's monitors.
	ScreenEvent struct{ proto.ScreenInfo }
	// CursorEvent is the agent's pointer, relative to the shared monitor
	// (newest positions only).
	CursorEvent struct{ proto.CursorPos }
	// CursorShapeEvent is a new shape of the agent's pointer.
	CursorShapeEvent struct{ proto.CursorShape }
	// ClipboardEvent is the agent's clipboard text.
	ClipboardEvent struct{ Text string }
	// ModeEvent is the state in force on the agent: its answer to a
	// request, or what the customer did on their own.
	ModeEvent struct{ proto.ModeState }
	// InputRefusedEvent names input the agent received and allowed but
	// could not give to its computer (Ctrl-Alt-Del on Windows).
	InputRefusedEvent struct{ proto.InputRefused }
	// ChatEvent is a chat message, sent or received.
	ChatEvent struct{ chat.Message }
	// TransferEvent is a file transfer's progress.
	TransferEvent struct{ filexfer.Progress }
	// TransferEndEvent says how a file request ended.
	TransferEndEvent struct {
		Request FileRequest
		Result  filexfer.Result
		Err     error
	}
	// CodeEvent is the session's code for the customer, which works
	// until Expires; it comes first, before the customer joins.
	CodeEvent struct {
		Code    string
		Expires time.Time
	}
	// JoinedEvent says the customer's agent joined (Agent: its
	// computer's identity, when it sent one).
	JoinedEvent struct{ Agent string }
)

func (FrameEvent) techEvent()        {}
func (PathEvent) techEvent()         {}
func (StatsEvent) techEvent()        {}
func (ScreenEvent) techEvent()       {}
func (CursorEvent) techEvent()       {}
func (CursorShapeEvent) techEvent()  {}
func (ClipboardEvent) techEvent()    {}
func (ModeEvent) techEvent()         {}
func (ChatEvent) techEvent()         {}
func (InputRefusedEvent) techEvent() {}
func (TransferEvent) techEvent()     {}
func (TransferEndEvent) techEvent()  {}
func (CodeEvent) techEvent()         {}
func (JoinedEvent) techEvent()       {}

// emit hands e to the session's handler, if any.
func (v *techView) emit(e Event) {
	if v.events != nil {
		v.events(e)
	}
}
