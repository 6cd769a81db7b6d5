package session

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"

	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Common is what both sides configure.
type Common struct {
	Server    string         // signaling server URL, https://HOST[:PORT]
	More      []string       // other nodes' URLs, tried after Server when a broken connection resumes
	RootCAs   *x509.CertPool // trust for the server and turns: relays; nil = system roots
	RelayOnly bool           // use relay candidates only
	Report    *Reporter      // where events go
	Logger    *slog.Logger   // nil discards
	Net       transport.Net  // nil = the host's network; tests pass a vnet
	// ConnectTimeout bounds the wait from join to a working link
	// (default 45 s).
	ConnectTimeout time.Duration
}

// SetDefaults fills in the logger and the connect timeout.
func (c *Common) SetDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 45 * time.Second
	}
}

const byeTimeout = time.Second

// Run is one side's live session: the signaling connection and the link.
// A role (package agentsession or techsession) creates it with NewRun,
// brings the link up with StartLink, giving it the role's Side, and runs
// it with Live.
type Run struct {
	cfg       Common
	scMu      sync.Mutex
	sc        *sigclient.Conn // replaced when signaling resumes (resume.go)
	resume    *Resume         // nil: no resuming
	link      *peer.Link
	side      Side
	serverBye chan string // Bye reasons from the signaling server
	pumpDone  chan struct{}
	// restartOwed: an ICE restart after a resume awaits its answer.
	restartOwed atomic.Bool
	// said: this side said goodbye; the server closing the connection
	// then is no break to resume.
	said atomic.Bool

	ending      chan string // a reason this side ends the session for (EndWith)
	workers     sync.WaitGroup
	stopWorkers context.CancelFunc
}

// Side is a role's part of a run (screen, input, consent, the viewer's
// hooks).
type Side interface {
	// Control gets the control-channel messages the run itself does not
	// handle.
	Control(ctx context.Context, env proto.Envelope)
	// Start starts the role's workers with Run.Go once the link is up.
	Start(ctx context.Context)
	// Final says the last words before the "ended" event (final stats).
	Final()
}

// NewRun returns the run of a session on the signaling connection sc,
// configured by cfg (after its defaults are set).
func NewRun(cfg Common, sc *sigclient.Conn) *Run {
	cfg.SetDefaults()
	return &Run{cfg: cfg, sc: sc}
}

// Link is the peer link, nil before StartLink.
func (r *Run) Link() *peer.Link { return r.link }

// Report is where the session's events go.
func (r *Run) Report() *Reporter { return r.cfg.Report }

// Logger is the session's logger.
func (r *Run) Logger() *slog.Logger { return r.cfg.Logger }

// EndWith ends the session from this side for reason (first call wins).
func (r *Run) EndWith(reason string) {
	select {
	case r.ending <- reason:
	default:
	}
}

// Drain reads and drops what arrives on a data channel this side does not
// serve (chat without the grant, say): an unread channel would fill its
// queue and stall the link's other channels behind it.
func (r *Run) Drain(ctx context.Context, name string) {
	r.Go(ctx, func(ctx context.Context) {
		ch := r.link.Channel(name)
		for {
			if _, err := ch.Recv(ctx); err != nil {
				return
			}
		}
	})
}

// Go runs f in a goroutine that Close waits for; f must return once
// ctx ends or the link closes.
func (r *Run) Go(ctx context.Context, f func(ctx context.Context)) {
	r.workers.Add(1)
	go func() {
		defer r.workers.Done()
		f(ctx)
	}()
}

func (r *Run) sendSignal(s peer.Signal) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.conn().Send(ctx, proto.TypeSignal, proto.Signal{Data: data})
}

// LinkConfig is what StartLink needs: the link's role and video, the
// relays the server handed out, and the role's part of the session.
type LinkConfig struct {
	Role       peer.Role
	Video      peer.VideoDirection
	ICEServers []proto.ICEServer
	Side       Side
}

// StartLink creates the peer link and the goroutine that feeds it signals
// from the server. pumpCtx must outlive the caller's ctx so that a Bye can
// still be sent after an interrupt; cancelling it closes the connection.
func (r *Run) StartLink(pumpCtx context.Context, lc LinkConfig) error {
	link, err := peer.New(peer.Config{
		Role: lc.Role, Video: lc.Video, ICEServers: iceServers(lc.ICEServers), RelayOnly: r.cfg.RelayOnly,
		RootCAs: r.cfg.RootCAs, Send: r.sendSignal, Net: r.cfg.Net, Logger: r.cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("create peer link: %w", err)
	}
	r.link, r.side = link, lc.Side
	r.ending = make(chan string, 1)
	r.serverBye = make(chan string, 1)
	r.pumpDone = make(chan struct{})
	go r.pump(pumpCtx)
	return nil
}

// pump forwards Signal messages from the server to the link and Bye
// reasons to serverBye, until the connection closes; a connection that
// breaks while the link lives is resumed (resume.go).
func (r *Run) pump(ctx context.Context) {
	defer close(r.pumpDone)
	for r.pumpFrom(ctx, r.conn()) && r.resumeSignaling(ctx) {
	}
}

// pumpFrom pumps sc until it closes, and reports whether to resume: it
// broke, not for an end, with the link alive.
func (r *Run) pumpFrom(ctx context.Context, sc *sigclient.Conn) bool {
	for {
		env, err := sc.Recv(ctx)
		if err != nil {
			return ctx.Err() == nil && r.canResume()
		}
		switch env.Type {
		case proto.TypeSignal:
			r.signal(ctx, env)
		case proto.TypeBye:
			bye, _ := proto.Body[proto.Bye](env)
			nonblocking(r.serverBye, bye.Reason)
			if bye.Reason != ReasonPeerGone {
				return false // the session is over
			}
		case proto.TypePeerResumed:
			r.cfg.Report.Signaling("peer-resumed", 0)
			r.restartICE()
		}
	}
}

// signal hands one Signal to the link, and reports the answer to a
// restart a resume owed.
func (r *Run) signal(ctx context.Context, env proto.Envelope) {
	s, err := decodeSignal(env)
	if err == nil {
		err = r.link.HandleSignal(ctx, s)
	}
	if err != nil {
		r.cfg.Logger.Warn("bad signal from peer", "err", err)
		return
	}
	if s.Description != nil && s.Description.Type == webrtc.SDPTypeAnswer && r.restartOwed.CompareAndSwap(true, false) {
		r.cfg.Report.Signaling("ice-restarted", 0)
	}
}

// decodeSignal extracts the peer signal a Signal message carries. Exactly
// one of description and candidate must be present.
func decodeSignal(env proto.Envelope) (peer.Signal, error) {
	var s peer.Signal
	msg, err := proto.Body[proto.Signal](env)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(msg.Data, &s); err != nil {
		return s, fmt.Errorf("decode signal: %w", err)
	}
	if (s.Description == nil) == (s.Candidate == nil) {
		return s, errors.New("decode signal: want one description or one candidate")
	}
	return s, nil
}

// WaitConnected waits for the link to come up. It returns an end reason
// instead when the session ends first.
func (r *Run) WaitConnected(ctx context.Context) (reason string, err error) {
	t := time.NewTimer(r.cfg.ConnectTimeout)
	defer t.Stop()
	select {
	case <-r.link.Connected():
		return "", nil
	case reason := <-r.serverBye:
		return reason, nil
	case <-r.link.Done():
		return ReasonLinkLost, fmt.Errorf("peer link failed: %w", r.link.Err())
	case <-t.C:
		return ReasonLinkLost, fmt.Errorf("no network path to the other side after %v: check that UDP or TCP 443 to the relay is allowed, or that the relay runs", r.cfg.ConnectTimeout)
	case <-ctx.Done():
		return ReasonInterrupted, nil
	}
}

// control serves the control channel: it answers Hello, hands HelloAck and
// Bye to the session loop, and stops when the channel closes.
func (r *Run) control(ctx context.Context, acks chan<- string, byes chan<- string) {
	ch := r.link.Channel(peer.ChannelControl)
	for {
		b, err := ch.Recv(ctx)
		if err != nil {
			return
		}
		env, err := proto.Decode(b)
		if err != nil {
			r.cfg.Logger.Warn("bad control message", "err", err)
			continue
		}
		switch env.Type {
		case proto.TypeHello:
			h, err := proto.Body[proto.Hello](env)
			if err == nil {
				r.cfg.Report.PeerHello(h.Version)
				r.SendControl(ctx, proto.TypeHelloAck, proto.HelloAck{Nonce: h.Nonce, Version: Version})
			}
		case proto.TypeHelloAck:
			a, err := proto.Body[proto.HelloAck](env)
			if err == nil {
				nonblocking(acks, a.Nonce)
			}
		case proto.TypeBye:
			bye, _ := proto.Body[proto.Bye](env)
			nonblocking(byes, bye.Reason)
		default:
			if r.side != nil {
				r.side.Control(ctx, env)
			}
		}
	}
}

func nonblocking(ch chan<- string, v string) {
	select {
	case ch <- v:
	default:
	}
}

func (r *Run) SendControl(ctx context.Context, t proto.Type, body any) error {
	b, err := proto.Encode(t, body)
	if err != nil {
		return err
	}
	return r.link.Channel(peer.ChannelControl).Send(ctx, b)
}

// handshake sends Hello and waits for its HelloAck: the first round trip
// over the link, which the "connected" event reports.
func (r *Run) handshake(ctx context.Context, acks <-chan string) (time.Duration, error) {
	nonce, err := randomHex(8)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	start := time.Now()
	if err := r.SendControl(ctx, proto.TypeHello, proto.Hello{Nonce: nonce, Version: Version}); err != nil {
		return 0, fmt.Errorf("control handshake: %w", err)
	}
	for {
		select {
		case got := <-acks:
			if got == nonce {
				return time.Since(start), nil
			}
		case <-r.link.Done():
			return 0, fmt.Errorf("control handshake: %w", r.link.Err())
		case <-ctx.Done():
			return 0, fmt.Errorf("control handshake: no answer: %w", ctx.Err())
		}
	}
}

// Bye tells the other side why the session ends, over the link and through
// the server (whichever still works), then waits briefly for the other side
// to close so the message is not lost with our own close.
func (r *Run) Bye(reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	r.said.Store(true)
	if r.link != nil {
		r.SendControl(ctx, proto.TypeBye, proto.Bye{Reason: reason})
	}
	r.conn().Send(ctx, proto.TypeBye, proto.Bye{Reason: reason})
	if r.link != nil {
		select {
		case <-r.link.Done():
		case <-ctx.Done():
		}
	}
}

// Close releases the link (and so its TURN allocation) and the signaling
// connection, and waits for the pump to stop.
func (r *Run) Close(cancelPump context.CancelFunc) {
	if r.stopWorkers != nil {
		r.stopWorkers()
	}
	if r.link != nil {
		r.link.Close()
	}
	r.workers.Wait()
	cancelPump()
	r.conn().Close()
	if r.pumpDone != nil {
		<-r.pumpDone
		r.conn().Close() // one a resume made as the pump stopped
	}
}

func iceServers(in []proto.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(in))
	for _, s := range in {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Version is this build's version, reported in the control handshake;
// main packages may set it from build information.
var Version = "dev"

// ErrEnded is wrapped by the error Run functions return when the session
// ended abnormally.
var ErrEnded = errors.New("session ended")

// ErrRefused is what the technician's session (package techsession)
// returns when the customer refused the first request or let it time out.
var ErrRefused = fmt.Errorf("%w: the customer did not allow it", ErrEnded)
