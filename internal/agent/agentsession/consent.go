package agentsession

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// CustomerAction is something the customer did in the agent's window.
type CustomerAction int

// Customer actions.
const (
	ActStop     CustomerAction = iota + 1 // end the session now
	ActPause                              // no video, no input until ActResume
	ActResume                             //
	ActTakeBack                           // suspend remote input until ActGiveBack
	ActGiveBack                           //
)

// Customer is how the agent reaches the person at the keyboard: its
// window (package agentui) in the product, a script in tests.
type Customer interface {
	// Ask shows q and returns one of proto.AnswerAllowed, AnswerRefused
	// or AnswerTimeout. It returns AnswerRefused when ctx ends first.
	Ask(ctx context.Context, q session.Question) string
	// Show tells the customer what is happening now.
	Show(operator string, s proto.ModeState)
	// Actions delivers what the customer does in the window.
	Actions() <-chan CustomerAction
}

// consent is the agent's record of what the customer allowed and the
// operator's grant permits. Every request of the technician passes
// through it; the input, clipboard and video paths ask it before acting.
type consent struct {
	cust  Customer
	grant *grant.Grant     // nil when the server signs no grants
	now   func() time.Time // the clock takesBack's settling is measured by

	mu         sync.Mutex
	state      proto.ModeState
	changed    chan struct{} // closed and replaced at every change
	inputSince time.Time     // when remote input was last let through
}

func newConsent(cust Customer, g *grant.Grant) *consent {
	return &consent{cust: cust, grant: g, now: time.Now, changed: make(chan struct{})}
}

// takeBackSettle is how long after remote input is let through (control
// allowed, resumed or given back) the customer's own input starts to
// count as taking control back. The hand that has just clicked Allow or
// Give back leaves the button; and the local-input watcher sees events
// up to its flush interval late (more on a loaded machine), so a move
// made on the way to the Allow button can be judged after the click.
const takeBackSettle = time.Second

// takesBack reports whether the customer's own input at time at takes
// control back: remote input is let through and was let through at least
// takeBackSettle before at.
func (c *consent) takesBack(at time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.InputAllowed() && at.Sub(c.inputSince) >= takeBackSettle
}

// verifyGrant checks the grant the server handed over with the key it
// named. A server that signs no grant gets nil, nil: the customer's answers
// alone then decide. A grant that fails its check ends the join: it means
// a broken or tampered server reply.
func verifyGrant(joined proto.Joined, now time.Time) (*grant.Grant, error) {
	if len(joined.Grant) == 0 {
		return nil, nil
	}
	if len(joined.GrantKey) != ed25519.PublicKeySize {
		return nil, grant.ErrBadKey
	}
	g, err := grant.Verify(ed25519.PublicKey(joined.GrantKey), joined.Grant, joined.Session, now)
	if err != nil {
		return nil, fmt.Errorf("the operator's permissions could not be verified (%w): ask the technician for a new code", err)
	}
	return &g, nil
}

// operator names who is asking, for the customer.
func (c *consent) operator() (name, org string) {
	if c.grant == nil {
		return "", ""
	}
	name = c.grant.Name
	if name == "" {
		name = c.grant.Operator
	}
	return name, c.grant.Organisation
}

// granted reports whether the operator's grant permits mode m.
func (c *consent) granted(m proto.Mode) bool {
	if c.grant == nil {
		return true
	}
	switch m {
	case proto.ModeView:
		return c.grant.Allows(grant.Observe) || c.grant.Allows(grant.RemoteControl)
	case proto.ModeControl:
		return c.grant.Allows(grant.RemoteControl)
	case proto.ModeDemonstrate:
		return c.grant.Allows(grant.Demonstrate)
	}
	return false
}

// allows reports whether the grant includes f (always, without a grant).
func (c *consent) allows(f grant.Function) bool {
	return c.grant == nil || c.grant.Allows(f)
}

// request decides a technician's mode request: the grant first, then the
// customer — except when the request asks for less than is in force
// (control to view), which needs nobody's consent. It returns the state
// in force afterwards with the verdict.
func (c *consent) request(ctx context.Context, req proto.ModeRequest, available bool) proto.ModeState {
	cur := c.get()
	answer := proto.AnswerAllowed
	switch {
	case !c.granted(req.Mode):
		answer = proto.AnswerNotGranted
	case !available:
		answer = proto.AnswerNotHere
	case req.Mode == cur.Mode || (req.Mode == proto.ModeView && cur.Mode == proto.ModeControl):
	default:
		q := session.Question{Kind: session.AskMode, Mode: req.Mode}
		if cur.Mode == proto.ModeNone {
			q.Kind = session.AskSession
			q.Functions = c.extraFunctions()
		}
		q.Operator, q.Organisation = c.operator()
		answer = c.cust.Ask(ctx, q)
	}
	c.update(func(s *proto.ModeState) {
		if answer == proto.AnswerAllowed {
			s.Mode = req.Mode
		}
	})
	st := c.get()
	st.Request, st.Answer = req.ID, answer
	return st
}

// extraFunctions lists what the grant allows beyond the screen, for the
// first question.
func (c *consent) extraFunctions() []string {
	var out []string
	for _, f := range []grant.Function{grant.FileTransfer, grant.Chat, grant.Clipboard} {
		if c.grant == nil || c.grant.Allows(f) {
			out = append(out, string(f))
		}
	}
	return out
}

// act applies a customer action; it reports whether the state changed.
func (c *consent) act(a CustomerAction) bool {
	before := c.get()
	c.update(func(s *proto.ModeState) {
		switch a {
		case ActPause:
			s.Paused = true
		case ActResume:
			s.Paused = false
		case ActTakeBack:
			s.InputSuspended = true
		case ActGiveBack:
			s.InputSuspended = false
		}
	})
	return c.get() != before
}

// setAppsOnly records whether only chosen windows are shared.
func (c *consent) setAppsOnly(on bool) {
	c.update(func(s *proto.ModeState) { s.AppsOnly = on })
}

func (c *consent) update(f func(*proto.ModeState)) {
	c.mu.Lock()
	before := c.state
	f(&c.state)
	after := c.state
	if after.InputAllowed() && !before.InputAllowed() {
		c.inputSince = c.now()
	}
	if after != before {
		close(c.changed)
		c.changed = make(chan struct{})
	}
	c.mu.Unlock()
	if after != before && c.cust != nil {
		name, _ := c.operator()
		c.cust.Show(name, after)
	}
}

// get returns the state in force.
func (c *consent) get() proto.ModeState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// watch returns the state in force and a channel closed at its next
// change.
func (c *consent) watch() (proto.ModeState, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state, c.changed
}
