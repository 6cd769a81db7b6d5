package session

import (
	"context"
	"fmt"

	"github.com/tandem-remote/tandem/internal/peer"
	"github.com/tandem-remote/tandem/internal/sigclient"
)

// AgentConfig configures the customer's side.
type AgentConfig struct {
	Common
	Code   string // as the customer typed it
	Screen ScreenConfig
}

// RunAgent joins the session of cfg.Code, brings the link up as the
// answerer and runs the session until either side ends it. Cancelling ctx
// ends the session (reason "interrupted").
func RunAgent(ctx context.Context, cfg AgentConfig) error {
	cfg.setDefaults()
	// The screen opens first, so a display problem is reported before the
	// one-time code is spent. Its deferred close runs after r.close has
	// stopped the workers that use it.
	scr, err := openAgentScreen(ctx, cfg.Screen, cfg.Logger)
	if err != nil {
		return err
	}
	if scr != nil {
		defer scr.close()
	}
	sc, err := sigclient.Dial(ctx, cfg.Server, cfg.RootCAs)
	if err != nil {
		return err
	}
	r := &run{cfg: cfg.Common, sc: sc}
	pumpCtx, cancelPump := context.WithCancel(context.Background())
	defer r.close(cancelPump)

	joined, err := sc.Join(ctx, cfg.Code)
	if err != nil {
		return fmt.Errorf("join session: %w", err)
	}
	cfg.Report.Joined()
	video := peer.VideoNone
	if scr != nil {
		scr.r, video = r, peer.VideoSend
		r.onControl, r.startWorkers = scr.onControl, scr.start
	}
	if err := r.startLink(pumpCtx, peer.Answerer, video, joined.ICEServers); err != nil {
		return err
	}
	if reason, err := r.waitConnected(ctx); reason != "" {
		if reason == ReasonInterrupted {
			r.bye(reason)
		}
		return r.finish(reason, err)
	}
	return r.finish(r.live(ctx, 0, ReasonStopped))
}
