package techsession

import (
	"context"
	"sync/atomic"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// modeRequests numbers the technician's mode requests.
var modeRequests atomic.Uint32

// requestMode asks the agent for mode m; the answer arrives as a
// ModeState on the control channel.
func (v *techView) requestMode(ctx context.Context, m proto.Mode) {
	v.r.SendControl(ctx, proto.TypeModeRequest, proto.ModeRequest{ID: modeRequests.Add(1), Mode: m})
}

// modes asks for the first mode at once, then for whatever the handle asks
// (Session.Mode).
func (v *techView) modes(ctx context.Context) {
	first := v.cfg.Mode
	if first == proto.ModeNone {
		first = proto.ModeControl
	}
	v.requestMode(ctx, first)
	for {
		select {
		case m := <-v.req.modes:
			v.requestMode(ctx, m)
		case <-ctx.Done():
			return
		}
	}
}

// onModeState reports the state the agent says is in force.
func (v *techView) onModeState(env proto.Envelope) {
	st, err := proto.Body[proto.ModeState](env)
	if err != nil {
		v.log.Warn("bad mode state", "err", err)
		return
	}
	v.r.Report().Mode(st)
	v.followDemo(st)
	if st.Answer == proto.AnswerAllowed {
		v.allowOnce.Do(func() { close(v.allowed) })
	}
	v.emit(ModeEvent{st})
}
