package agentsession

import (
	"context"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// maxPendingRequests bounds the technician's mode requests waiting for the
// customer; more are refused at once rather than queued behind a prompt.
const maxPendingRequests = 4

// customerSide runs the agent's half of consent: it asks the customer
// about each mode request in turn, answers the technician with the state
// in force, tells the technician of the customer's own actions, and ends
// the session when the customer stops it or refuses the first request (a
// request this agent cannot serve or the grant does not cover leaves the
// link up for the technician to ask otherwise or hang up).
type customerSide struct {
	r         *session.Run
	consent   *consent
	requests  chan proto.ModeRequest
	actions   <-chan CustomerAction // nil without a window
	available func(proto.Mode) bool // whether this agent can do a mode at all
}

func newCustomerSide(r *session.Run, c *consent, actions <-chan CustomerAction, available func(proto.Mode) bool) *customerSide {
	return &customerSide{r: r, consent: c, requests: make(chan proto.ModeRequest, maxPendingRequests), actions: actions, available: available}
}

// onRequest queues a mode request from the control channel.
func (cs *customerSide) onRequest(ctx context.Context, env proto.Envelope) {
	req, err := proto.Body[proto.ModeRequest](env)
	if err != nil {
		cs.r.Logger().Warn("bad mode request", "err", err)
		return
	}
	select {
	case cs.requests <- req:
	default:
		st := cs.consent.get()
		st.Request, st.Answer = req.ID, proto.AnswerRefused
		cs.r.SendControl(ctx, proto.TypeModeState, st)
	}
}

// run answers requests and relays the customer's actions until ctx ends.
func (cs *customerSide) run(ctx context.Context) {
	for {
		select {
		case req := <-cs.requests:
			first := cs.consent.get().Mode == proto.ModeNone
			st := cs.consent.request(ctx, req, cs.available(req.Mode))
			cs.r.Report().Mode(st)
			if err := cs.r.SendControl(ctx, proto.TypeModeState, st); err != nil {
				return
			}
			if first && (st.Answer == proto.AnswerRefused || st.Answer == proto.AnswerTimeout) {
				cs.r.EndWith(session.ReasonRefused)
				return
			}
		case a := <-cs.actions:
			if a == ActStop {
				cs.r.EndWith(session.ReasonStopped)
				return
			}
			if cs.consent.act(a) {
				cs.notify(ctx)
			}
		case <-ctx.Done():
			return
		}
	}
}

// takeBack suspends remote input because the customer used the keyboard
// or mouse, and tells the technician.
func (cs *customerSide) takeBack(ctx context.Context) {
	if cs.consent.act(ActTakeBack) {
		cs.notify(ctx)
	}
}

// notify tells the technician (and the event stream) the state in force
// after a change the customer made.
func (cs *customerSide) notify(ctx context.Context) {
	st := cs.consent.get()
	cs.r.Report().Mode(st)
	cs.r.SendControl(ctx, proto.TypeModeState, st)
}
