package session

import (
	"context"
	"fmt"
	"time"
)

// End says how this side ends a session of its own accord: after After
// (when positive) or when HangUp closes, both with reason Own.
type End struct {
	After  time.Duration
	HangUp <-chan struct{}
	Own    string
}

// Live runs a connected session: it proves the link with the control
// handshake, reports "connected", starts the side's workers, then waits
// for the end — end.After (when positive), end.HangUp, a Bye from the
// other side or the server, a lost link, or ctx (an interrupt) — and
// returns the reason.
func (r *Run) Live(ctx context.Context, end End) (reason string, err error) {
	ctrlCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	acks, byes := make(chan string, 4), make(chan string, 1)
	go r.control(ctrlCtx, acks, byes)

	rtt, err := r.handshake(ctx, acks)
	if err != nil {
		return ReasonLinkLost, err
	}
	path, err := r.link.Path()
	if err != nil {
		return ReasonLinkLost, err
	}
	r.cfg.Report.Connected(path, rtt)
	r.cfg.Logger.Info("connected", "path", path.String(), "rtt", rtt)
	if r.side != nil {
		wctx, stop := context.WithCancel(context.Background())
		r.stopWorkers = stop
		r.side.Start(wctx)
	}

	var timer <-chan time.Time
	if end.After > 0 {
		t := time.NewTimer(end.After)
		defer t.Stop()
		timer = t.C
	}
	for {
		select {
		case <-timer:
			r.Bye(end.Own)
			return end.Own, nil
		case <-end.HangUp:
			r.Bye(end.Own)
			return end.Own, nil
		case reason := <-r.ending:
			r.Bye(reason)
			return reason, nil
		case <-ctx.Done():
			r.Bye(ReasonInterrupted)
			return ReasonInterrupted, nil
		case reason := <-byes:
			return reason, nil
		case reason := <-r.serverBye:
			if reason == ReasonPeerGone {
				// The other side left signaling; the link decides
				// whether the session goes on.
				continue
			}
			return r.linkByeOr(reason, byes), nil
		case <-r.link.Done():
			return ReasonLinkLost, fmt.Errorf("%w: %v", ErrEnded, r.link.Err())
		}
	}
}

// Finish reports the end and turns it into the Run functions' result:
// nil for a normal end.
func (r *Run) Finish(reason string, err error) error {
	if r.side != nil && r.link != nil {
		r.side.Final()
	}
	r.cfg.Report.Ended(reason)
	if err != nil {
		return err
	}
	if reason == ReasonRefused {
		return ErrRefused
	}
	if !clean(reason) {
		return fmt.Errorf("%w: %s", ErrEnded, describe(reason))
	}
	return nil
}

// linkByeWait bounds how long a bye from the server waits for the peer's
// own bye on the link.
const linkByeWait = byeTimeout

// linkByeOr is the end when the server's bye came first. The peer sends
// its bye on the control channel before it tells the server, after all it
// said there (a refusal's mode answer, say): the signaling path can still
// overtake it, and ending at once would drop what the peer said last. So
// it waits for the link's bye, for at most linkByeWait or until the link
// ends, and ends with the server's reason if that is all there is (the
// server ended the session itself, or the peer's link is gone).
func (r *Run) linkByeOr(reason string, byes <-chan string) string {
	t := time.NewTimer(linkByeWait)
	defer t.Stop()
	select {
	case own := <-byes:
		return own
	case <-r.link.Done():
	case <-t.C:
	}
	return reason
}
