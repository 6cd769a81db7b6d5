package session

import (
	"context"
	"fmt"
	"time"
)

// live runs a connected session: it proves the link with the control
// handshake, reports "connected", then waits for the end — endAfter (when
// positive), a Bye from the other side or the server, a lost link, or ctx
// (an interrupt) — and returns the reason.
func (r *run) live(ctx context.Context, endAfter time.Duration, ownEnd string) (reason string, err error) {
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
	if r.startWorkers != nil {
		wctx, stop := context.WithCancel(context.Background())
		r.stopWorkers = stop
		r.startWorkers(wctx)
	}

	var timer <-chan time.Time
	if endAfter > 0 {
		t := time.NewTimer(endAfter)
		defer t.Stop()
		timer = t.C
	}
	for {
		select {
		case <-timer:
			r.bye(ownEnd)
			return ownEnd, nil
		case <-r.hangUp:
			r.bye(ownEnd)
			return ownEnd, nil
		case reason := <-r.ending:
			r.bye(reason)
			return reason, nil
		case <-ctx.Done():
			r.bye(ReasonInterrupted)
			return ReasonInterrupted, nil
		case reason := <-byes:
			return reason, nil
		case reason := <-r.serverBye:
			if reason == ReasonPeerGone {
				// The other side left signaling; the link decides
				// whether the session goes on.
				continue
			}
			return reason, nil
		case <-r.link.Done():
			return ReasonLinkLost, fmt.Errorf("%w: %v", ErrEnded, r.link.Err())
		}
	}
}

// finish reports the end and turns it into the Run functions' result:
// nil for a normal end.
func (r *run) finish(reason string, err error) error {
	if r.beforeEnd != nil && r.link != nil {
		r.beforeEnd()
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
