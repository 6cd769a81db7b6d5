package session

import (
	"context"
	"errors"
	"time"

	"github.com/tandem-remote/tandem/internal/link/backoff"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// A joined session lives in its link; signaling carries only ICE
// restarts and the end. When the signaling connection breaks while the
// link lives (its server node died, the network blinked), the run redials
// with backoff and jitter and takes up its side's place again with the
// resume secret the server gave (docs/wire.md section 3.6), on whichever
// node answers. The technician then restarts ICE, as it does when the
// server says the other side resumed: whatever signal crossed while a
// side was away was dropped.

// Resume is what a run needs to take up its place after its signaling
// connection broke.
type Resume struct {
	Session string
	Role    proto.Role
	// Secret is the side's resume secret; "" takes the one the server
	// sent on the first connection (sigclient.Conn.ResumeSecret). None
	// (an older server) never resumes.
	Secret string
	// Dial connects to the signaling server again (the same URL: a load
	// balancer or DNS may lead to another node).
	Dial func(ctx context.Context) (*sigclient.Conn, error)
}

// Resume timing: redials paced by backoff.Redial, for resumeFor in all.
const (
	resumeFor  = 2 * time.Minute
	resumeDial = 15 * time.Second // one attempt's bound
)

// SetResume lets the run resume its signaling connection; call it before
// StartLink.
func (r *Run) SetResume(rs Resume) {
	if rs.Dial == nil {
		return
	}
	r.resume = &rs
}

// Servers are the signaling URLs to resume on, in turn: Server, then
// More.
func (c Common) Servers() []string { return append([]string{c.Server}, c.More...) }

// conn is the current signaling connection.
func (r *Run) conn() *sigclient.Conn {
	r.scMu.Lock()
	defer r.scMu.Unlock()
	return r.sc
}

// canResume reports whether a broken connection is worth resuming: the
// run has a secret, has not said goodbye, and its link lives.
func (r *Run) canResume() bool {
	if r.resume == nil || r.said.Load() {
		return false
	}
	if r.resume.Secret == "" { // only the pump reads and writes it
		r.resume.Secret = r.conn().ResumeSecret(r.resume.Session)
		if r.resume.Secret == "" {
			return false
		}
	}
	select {
	case <-r.link.Done():
		return false
	default:
		return true
	}
}

// resumeSignaling redials until a new connection takes up the side's
// place, and reports whether one did. A server that no longer knows the
// session, ctx, the link's end or resumeFor end the attempts: the session
// goes on over its link without signaling.
func (r *Run) resumeSignaling(ctx context.Context) bool {
	r.cfg.Report.Signaling("lost", 0)
	r.cfg.Logger.Warn("signaling connection lost; resuming")
	deadline := time.Now().Add(resumeFor)
	pace := backoff.Redial()
	for attempt := 1; ; attempt++ {
		if !r.pause(ctx, pace.Next()) {
			return false
		}
		err := r.redial(ctx)
		if err == nil {
			r.cfg.Report.Signaling("resumed", attempt)
			r.cfg.Logger.Info("signaling resumed", "attempts", attempt)
			r.restartICE()
			return true
		}
		r.cfg.Logger.Warn("resume signaling", "attempt", attempt, "err", err)
		if errors.Is(err, sigclient.ErrResumeRefused) || time.Now().After(deadline) {
			r.cfg.Report.Signaling("gone", attempt)
			return false
		}
	}
}

// redial connects again, resumes, and makes the new connection the
// run's.
func (r *Run) redial(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, resumeDial)
	defer cancel()
	sc, err := r.resume.Dial(ctx)
	if err != nil {
		return err
	}
	if _, err := sc.Resume(ctx, r.resume.Session, r.resume.Role, r.resume.Secret); err != nil {
		sc.Close()
		return err
	}
	r.scMu.Lock()
	old := r.sc
	r.sc = sc
	r.scMu.Unlock()
	old.Close()
	return nil
}

// pause waits d, and reports false if ctx or the link ended first.
func (r *Run) pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-r.link.Done():
		return false
	}
}

// restartICE restarts ICE on the technician's side (the offerer; the
// agent answers) and remembers to report when the answer is back.
func (r *Run) restartICE() {
	if r.resume == nil || r.resume.Role != proto.RoleTechnician {
		return
	}
	r.restartOwed.Store(true)
	r.link.RestartICE()
}
