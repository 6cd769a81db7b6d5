package session

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/tandem-remote/tandem/internal/agentui"
	"github.com/tandem-remote/tandem/internal/grant"
	"github.com/tandem-remote/tandem/internal/peer"
	"github.com/tandem-remote/tandem/internal/proto"
)

// AgentConfig configures the customer's side.
type AgentConfig struct {
	Common
	Code string // as the customer typed it
	// Ticket, Pin and GrantKey come from a stamped download (package
	// stamp, stamped.go): with Ticket set the agent joins by it instead
	// of Code, trusts the server by the certificate key Pin names instead
	// of RootCAs, and accepts only a grant signed by GrantKey.
	Ticket   string
	Pin      []byte
	GrantKey ed25519.PublicKey
	// Identity is this computer's identity towards the server (package
	// agentid), sent with the join so that an operator can block the
	// computer; empty sends none.
	Identity string
	Screen   ScreenConfig
	// Window is the agent's own window (package agentui): questions, the
	// session panel, chat, the apps chooser. When set it is the Customer.
	Window *agentui.UI
	// ConsentTimeout is how long each question waits for the customer
	// (no answer is a refusal); 0 = agentui's default.
	ConsentTimeout time.Duration
	// Customer is asked before anything is shared and told what happens.
	// Nil (and no Window) means nobody can be asked: every request is then
	// answered "unavailable" and nothing is shared. Tests script one.
	Customer Customer
	// Files is where files the customer accepts land.
	Files FilesConfig
	// Now is the clock grants are checked against; nil = time.Now.
	Now func() time.Time
}

// RunAgent joins the session of cfg.Code, brings the link up as the
// answerer and runs the session until either side ends it. Cancelling ctx
// ends the session (reason "interrupted").
func RunAgent(ctx context.Context, cfg AgentConfig) error {
	cfg.setDefaults()
	if err := cfg.checkTicketConfig(); err != nil {
		return err
	}
	var wc *windowCustomer
	if cfg.Window != nil {
		wc = newWindowCustomer(cfg.Window, cfg.ConsentTimeout, cfg.Report)
		cfg.Customer = wc
	}
	// The screen opens first, so a display problem is reported before the
	// one-time code is spent. Its deferred close runs after r.close has
	// stopped the workers that use it.
	scr, err := openAgentScreen(ctx, cfg.Screen, cfg.Window, cfg.Logger)
	if err != nil {
		return err
	}
	if scr != nil {
		defer scr.close()
	}
	sc, err := dialSignaling(ctx, &cfg)
	if err != nil {
		return err
	}
	sc.Agent = cfg.Identity
	r := &run{cfg: cfg.Common, sc: sc}
	pumpCtx, cancelPump := context.WithCancel(context.Background())
	defer r.close(cancelPump)

	joined, err := joinSession(ctx, sc, cfg)
	if err != nil {
		return fmt.Errorf("join session: %w", err)
	}
	cfg.Report.Joined()
	g, err := verifyGrant(joined, cfg.now())
	if err != nil {
		r.bye(ReasonRefused)
		return r.finish(ReasonRefused, err)
	}
	video := wireAgent(r, &cfg, scr, wc, newConsent(cfg.Customer, g))
	if err := r.startLink(pumpCtx, peer.Answerer, video, joined.ICEServers); err != nil {
		return err
	}
	if reason, err := r.waitConnected(ctx); reason != "" {
		if reason == ReasonInterrupted {
			r.bye(reason)
		}
		return r.finish(reason, err)
	}
	err = r.finish(r.live(ctx, 0, ReasonStopped))
	if errors.Is(err, ErrRefused) {
		return nil // the customer's own choice
	}
	return err
}

// wireAgent connects the agent's parts to the run: control messages to
// the consent worker and the screen, and the workers that start once the
// link is up. It returns the link's video direction.
func wireAgent(r *run, cfg *AgentConfig, scr *agentScreen, wc *windowCustomer, c *consent) peer.VideoDirection {
	cs := newCustomerSide(r, c, customerActions(cfg.Customer), func(m proto.Mode) bool {
		return cfg.available(scr, m)
	})
	r.onControl = func(ctx context.Context, env proto.Envelope) {
		if env.Type == proto.TypeModeRequest {
			cs.onRequest(ctx, env)
		} else if scr != nil {
			scr.onControl(ctx, env)
		}
	}
	r.startWorkers = func(ctx context.Context) {
		var aw *agentWindow
		if wc != nil {
			aw = newAgentWindow(r, wc, cs, scr, c.allows(grant.Chat))
		}
		r.goWorker(ctx, cs.run)
		if scr != nil {
			scr.start(ctx)
		} else {
			r.drain(ctx, peer.ChannelInput)
		}
		if aw != nil {
			r.goWorker(ctx, aw.run)
		}
		if aw != nil && aw.chat != nil {
			r.goWorker(ctx, func(ctx context.Context) { aw.chat.Run(ctx) })
		} else {
			r.drain(ctx, peer.ChannelChat)
		}
		if aw == nil || !aw.serveFiles(ctx, r, cfg.Files) {
			r.drain(ctx, peer.ChannelFile)
		}
	}
	if scr == nil {
		return peer.VideoNone
	}
	scr.r, scr.consent = r, c
	return peer.VideoBoth
}

// available reports whether this agent can serve mode m at all.
func (cfg *AgentConfig) available(scr *agentScreen, m proto.Mode) bool {
	if cfg.Customer == nil || scr == nil {
		return false
	}
	switch m {
	case proto.ModeControl:
		return !cfg.Screen.ViewOnly
	case proto.ModeDemonstrate:
		return cfg.Screen.Demonstrations
	}
	return true
}

func (cfg *AgentConfig) now() time.Time {
	if cfg.Now != nil {
		return cfg.Now()
	}
	return time.Now()
}

func customerActions(c Customer) <-chan CustomerAction {
	if c == nil {
		return nil
	}
	return c.Actions()
}
