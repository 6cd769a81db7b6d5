package peer

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"
)

// outbox delivers local signals to Config.Send in order from one goroutine,
// so that pion's callbacks never wait on the signaling transport.
type outbox struct {
	mu     sync.Mutex
	queue  []Signal
	wake   chan struct{}
	stop   chan struct{}
	exited chan struct{}
}

func newOutbox() *outbox {
	return &outbox{
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
		exited: make(chan struct{}),
	}
}

func (o *outbox) push(s Signal) {
	o.mu.Lock()
	o.queue = append(o.queue, s)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) pop() (Signal, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.queue) == 0 {
		return Signal{}, false
	}
	s := o.queue[0]
	o.queue = o.queue[1:]
	return s, true
}

// run sends queued signals until close; it is owned by the Link.
func (o *outbox) run(l *Link) {
	defer close(o.exited)
	for {
		select {
		case <-o.stop:
			return
		case <-o.wake:
		}
		for s, ok := o.pop(); ok; s, ok = o.pop() {
			if err := l.cfg.Send(s); err != nil {
				l.log.Warn("send signal", "kind", s.kind(), "err", err)
			}
		}
	}
}

func (o *outbox) close() {
	close(o.stop)
	<-o.exited
}

func (s Signal) kind() string {
	switch {
	case s.Description != nil:
		return s.Description.Type.String()
	case s.Candidate != nil:
		return "candidate"
	default:
		return "empty"
	}
}

// HandleSignal applies one signal from the other side: a remote description
// (answering it if it is an offer) or a trickled candidate, which is
// buffered until a remote description is set.
func (l *Link) HandleSignal(ctx context.Context, s Signal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-l.done:
		return fmt.Errorf("handle signal: %w", l.Err())
	default:
	}
	switch {
	case s.Description != nil:
		return l.handleDescription(*s.Description)
	case s.Candidate != nil:
		return l.handleCandidate(*s.Candidate)
	default:
		return errors.New("handle signal: empty signal")
	}
}

func (l *Link) handleDescription(d webrtc.SessionDescription) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkDescription(d); err != nil {
		return err
	}
	if err := l.pc.SetRemoteDescription(d); err != nil {
		return fmt.Errorf("set remote %s: %w", d.Type, err)
	}
	l.log.Debug("remote description", "type", d.Type.String())
	for _, c := range l.pending {
		if err := l.pc.AddICECandidate(c); err != nil {
			l.log.Debug("add buffered candidate", "err", err)
		}
	}
	l.pending = nil
	if d.Type != webrtc.SDPTypeOffer {
		if e := l.lane(); e != nil {
			e.accepted(expressOffered(d))
		}
		return nil
	}
	return l.answerLocked()
}

// checkDescription enforces the roles: only the Offerer takes answers and
// only the Answerer takes offers, so there is never glare to resolve.
func (l *Link) checkDescription(d webrtc.SessionDescription) error {
	switch {
	case d.Type == webrtc.SDPTypeOffer && l.cfg.Role == Answerer,
		d.Type == webrtc.SDPTypeAnswer && l.cfg.Role == Offerer:
		return nil
	default:
		return fmt.Errorf("handle signal: %s unexpected by the %s", d.Type, l.cfg.Role)
	}
}

func (l *Link) answerLocked() error {
	if err := l.attachTrackLocked(); err != nil {
		return err
	}
	if err := l.attachLaneLocked(); err != nil {
		return err
	}
	answer, err := l.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("create answer: %w", err)
	}
	if err := l.pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("set local answer: %w", err)
	}
	l.out.push(Signal{Description: &answer})
	return nil
}

func (l *Link) handleCandidate(c webrtc.ICECandidateInit) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pc.RemoteDescription() == nil {
		l.pending = append(l.pending, c)
		return nil
	}
	if err := l.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("add candidate: %w", err)
	}
	return nil
}

// onCandidate queues a locally gathered candidate. It takes l.mu so that a
// candidate never overtakes the description of its generation.
func (l *Link) onCandidate(c *webrtc.ICECandidate) {
	if c == nil {
		return // gathering complete
	}
	if c.Typ == webrtc.ICECandidateTypeRelay {
		l.relays.relayGathered()
	}
	init := c.ToJSON()
	l.mu.Lock()
	l.out.push(Signal{Candidate: &init})
	l.mu.Unlock()
}
