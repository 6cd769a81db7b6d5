package agentsession

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// AgentConfig configures the customer's side.
type AgentConfig struct {
	session.Common
	Code string // as the customer typed it
	// Stamp is a stamped download's payload (package stamp, stamped.go),
	// nil for a plain agent: with it the agent joins by its Ticket instead
	// of Code, trusts the server (Common.Server, the stamp's Server) by the
	// certificate key its Pin names instead of RootCAs, and accepts only a
	// grant signed by its Key.
	Stamp *stamp.Payload
	// Identity is this computer's identity towards the server (package
	// agentid), sent with the join so that an operator can block the
	// computer; empty sends none.
	Identity string
	Screen   ScreenConfig
	// Platform is where the agent meets the operating system: its window,
	// the screen, input, clipboard and self-removal (package platform).
	// Nil means platform.Native with no window and nothing removed.
	// When the platform opens a window, the window is the Customer.
	Platform platform.Platform
	// ConsentTimeout is how long each question waits for the customer
	// (no answer is a refusal); 0 = agentui's default.
	ConsentTimeout time.Duration
	// Customer is asked before anything is shared and told what happens.
	// Nil (and no window) means nobody can be asked: every request is then
	// answered "unavailable" and nothing is shared. Tests script one.
	Customer Customer
	// Files is where files the customer accepts land.
	Files session.FilesConfig
	// Now is the clock grants are checked against; nil = time.Now.
	Now func() time.Time
}

// RunAgent joins the session of cfg.Code, brings the link up as the
// answerer and runs the session until either side ends it. Cancelling ctx
// ends the session (reason "interrupted").
func RunAgent(ctx context.Context, cfg AgentConfig) (err error) {
	cfg.SetDefaults()
	p := cfg.Platform
	if p == nil {
		p = platform.Native(platform.Config{Logger: cfg.Logger})
	}
	// Self-removal runs last, after everything below is closed, however
	// the session ended.
	defer func() { err = errors.Join(err, p.Remove()) }()
	if err := cfg.checkTicketConfig(); err != nil {
		return err
	}
	win, err := p.OpenWindow(ctx)
	if err != nil {
		return err
	}
	var wc *windowCustomer
	if win != nil {
		defer win.Close()
		wc = newWindowCustomer(win, cfg.ConsentTimeout, cfg.Report)
		cfg.Customer = wc
	}
	// The screen opens first, so a display problem is reported before the
	// one-time code is spent. Its deferred close runs after r.Close has
	// stopped the workers that use it.
	scr, rem, err := openShared(ctx, p, cfg.Screen, win, cfg.Logger)
	if err != nil {
		return err
	}
	if scr != nil {
		defer scr.close()
		defer rem.close()
	}
	sc, err := dialSignaling(ctx, &cfg)
	if err != nil {
		return err
	}
	sc.Agent = cfg.Identity
	r := session.NewRun(cfg.Common, sc)
	pumpCtx, cancelPump := context.WithCancel(context.Background())
	defer r.Close(cancelPump)

	joined, err := joinSession(ctx, sc, cfg)
	if err != nil {
		return fmt.Errorf("join session: %w", err)
	}
	cfg.Report.Joined()
	redial := cfg // dialSignaling sets a stamped download's RootCAs: on a copy
	r.SetResume(session.Resume{Session: joined.Session, Role: proto.RoleAgent,
		Dial: func(ctx context.Context) (*sigclient.Conn, error) {
			if redial.Stamp == nil {
				return sigclient.DialAny(ctx, redial.Servers(), redial.RootCAs)
			}
			c := redial
			return dialSignaling(ctx, &c)
		}})
	g, err := verifyGrant(joined, cfg.now())
	if err != nil {
		r.Bye(session.ReasonRefused)
		return r.Finish(session.ReasonRefused, err)
	}
	side := newAgentSide(r, &cfg, scr, rem, wc, newConsent(cfg.Customer, g))
	lc := session.LinkConfig{Role: peer.Answerer, Video: side.video(), ICEServers: joined.ICEServers, Side: side}
	if err := r.StartLink(pumpCtx, lc); err != nil {
		return err
	}
	if reason, err := r.WaitConnected(ctx); reason != "" {
		if reason == session.ReasonInterrupted {
			r.Bye(reason)
		}
		return r.Finish(reason, err)
	}
	err = r.Finish(r.Live(ctx, session.End{Own: session.ReasonStopped}))
	if errors.Is(err, session.ErrRefused) {
		return nil // the customer's own choice
	}
	return err
}

// agentSide is the agent's part of a run: the consent worker, the shared
// screen (nil without a display), the agent's window (nil without one)
// and file transfer.
type agentSide struct {
	r   *session.Run
	cfg *AgentConfig
	scr *screenShare
	wc  *windowCustomer
	c   *consent
	cs  *customerSide
}

func newAgentSide(r *session.Run, cfg *AgentConfig, scr *agentScreen, rem *remote, wc *windowCustomer, c *consent) *agentSide {
	s := &agentSide{r: r, cfg: cfg, wc: wc, c: c}
	if scr != nil {
		s.scr = newScreenShare(scr, rem, r, c)
	}
	s.cs = newCustomerSide(r, c, customerActions(cfg.Customer), func(m proto.Mode) bool {
		return cfg.available(scr, m)
	})
	return s
}

// video is the link's video direction: both ways with a screen to share
// (the technician's comes back in demonstration mode), none without.
func (s *agentSide) video() peer.VideoDirection {
	if s.scr == nil {
		return peer.VideoNone
	}
	return peer.VideoBoth
}

// Control hands mode requests to the consent worker and the rest to the
// screen.
func (s *agentSide) Control(ctx context.Context, env proto.Envelope) {
	if env.Type == proto.TypeModeRequest {
		s.cs.onRequest(ctx, env)
	} else if s.scr != nil {
		s.scr.onControl(ctx, env)
	}
}

// Start starts the consent worker, the screen, the window's panel and
// chat, and file transfer; what this agent does not serve is drained, and
// file offers and requests it does not serve are refused with the reason.
func (s *agentSide) Start(ctx context.Context) {
	r := s.r
	var aw *agentWindow
	if s.wc != nil {
		aw = newAgentWindow(r, s.wc, s.cs, s.scr, s.c.allows(grant.Chat))
	}
	r.Go(ctx, s.cs.run)
	if s.scr != nil {
		s.scr.start(ctx, aw.appsChanged())
	} else {
		r.Drain(ctx, peer.ChannelInput)
	}
	if aw != nil {
		r.Go(ctx, aw.run)
	}
	if aw != nil && aw.chat != nil {
		r.Go(ctx, func(ctx context.Context) { aw.chat.Run(ctx) })
	} else {
		r.Drain(ctx, peer.ChannelChat)
	}
	why := "this agent has no window to ask the customer"
	if aw != nil {
		why = aw.serveFiles(ctx, r, s.cfg.Files)
	}
	if why != "" {
		r.Go(ctx, func(ctx context.Context) {
			_ = filexfer.Refuse(ctx, r.Link().Channel(peer.ChannelFile), why)
		})
	}
}

// Final has nothing to add: the agent reports no figures at the end.
func (s *agentSide) Final() {}

// openShared opens the screen p offers and, when there is one, remote
// input; nil, nil, nil without a screen.
func openShared(ctx context.Context, p platform.Platform, cfg ScreenConfig, win platform.Window, log *slog.Logger) (*agentScreen, *remote, error) {
	scr, err := openAgentScreen(ctx, p, cfg, win, log)
	if err != nil || scr == nil {
		return nil, nil, err
	}
	rem, err := openRemote(ctx, p, scr, win)
	if err != nil {
		scr.close()
		return nil, nil, err
	}
	return scr, rem, nil
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
