package techsession

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TechnicianConfig configures the technician's side.
type TechnicianConfig struct {
	session.Common
	Token    string        // the session token of the operator's login (login.Login): opens the session
	EndAfter time.Duration // end the session this long after it connects; 0 = never
	// Monitor is the monitor to ask for at once (0 = all monitors);
	// -1 leaves the agent's choice (its primary).
	Monitor int
	// Mode is asked for as soon as the link is up (default control).
	Mode proto.Mode
	// Files says where fetched files, and the customer's files the
	// technician accepts, land.
	Files session.FilesConfig
	// OfferTimeout is how long a file the customer offers waits for
	// Session.AnswerOffer before it is declined (DefaultOfferTimeout if
	// zero).
	OfferTimeout time.Duration
	// DemoDisplay is the X display shown to the customer in demonstration
	// mode; "" means $DISPLAY, and without either the technician cannot
	// demonstrate.
	DemoDisplay string
	StatsEvery  time.Duration // how often the figures are reported; default 1 s
	// Events, when set, gets every event of the session (see Event); a
	// script (package techscript) or a viewer (package techui) follows
	// the session with it.
	Events func(Event)
}

// run is Session.Run: the session's requests come from req.
func run(ctx context.Context, cfg TechnicianConfig, req *requests) error {
	cfg.SetDefaults()
	if cfg.Token == "" {
		return errors.New("not logged in: log in as an operator first (technician -user ID)")
	}
	sc, err := sigclient.Dial(ctx, cfg.Server, cfg.RootCAs)
	if err != nil {
		return err
	}
	r := session.NewRun(cfg.Common, sc)
	pumpCtx, cancelPump := context.WithCancel(context.Background())
	defer r.Close(cancelPump)

	opened, err := sc.Open(ctx, cfg.Token)
	if err != nil {
		return fmt.Errorf("open session: %w", err)
	}
	r.SetResume(session.Resume{Session: opened.Session, Role: proto.RoleTechnician,
		Dial: func(ctx context.Context) (*sigclient.Conn, error) {
			return sigclient.DialAny(ctx, cfg.Servers(), cfg.RootCAs)
		}})
	cfg.Report.Code(opened.Code, opened.Expires)
	if cfg.Events != nil {
		cfg.Events(CodeEvent{Code: opened.Code, Expires: opened.Expires})
	}
	joined, reason, err := waitPeer(ctx, sc)
	if reason != "" || err != nil {
		return r.Finish(reason, err)
	}
	cfg.Report.PeerJoined(joined.Agent)
	if cfg.Events != nil {
		cfg.Events(JoinedEvent{Agent: joined.Agent})
	}
	view := newTechView(r, cfg, req)
	lc := session.LinkConfig{Role: peer.Offerer, Video: peer.VideoBoth, ICEServers: opened.ICEServers, Side: view}
	if err := r.StartLink(pumpCtx, lc); err != nil {
		return err
	}
	if err := r.Link().Start(ctx); err != nil {
		return r.Finish(session.ReasonLinkLost, fmt.Errorf("start link: %w", err))
	}
	if reason, err := r.WaitConnected(ctx); reason != "" {
		if reason == session.ReasonInterrupted {
			r.Bye(reason)
		}
		return r.Finish(reason, err)
	}
	return r.Finish(r.Live(ctx, session.End{After: cfg.EndAfter, HangUp: req.hangUp, Own: session.ReasonHangup}))
}

// waitPeer waits for PeerJoined. It returns an end reason if the session
// ends first (code expired, interrupted).
func waitPeer(ctx context.Context, sc *sigclient.Conn) (joined proto.PeerJoined, reason string, err error) {
	for {
		env, err := sc.Recv(ctx)
		if ctx.Err() != nil {
			return joined, session.ReasonInterrupted, nil
		}
		if err != nil {
			return joined, session.ReasonLinkLost, fmt.Errorf("waiting for the customer: %w", err)
		}
		switch env.Type {
		case proto.TypePeerJoined:
			joined, _ = proto.Body[proto.PeerJoined](env)
			return joined, "", nil
		case proto.TypeBye:
			bye, _ := proto.Body[proto.Bye](env)
			return joined, bye.Reason, nil
		}
	}
}
