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
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"

	"github.com/tandem-remote/tandem/internal/peer"
	"github.com/tandem-remote/tandem/internal/proto"
	"github.com/tandem-remote/tandem/internal/sigclient"
)

// Common is what both sides configure.
type Common struct {
	Server    string         // signaling server URL, https://HOST[:PORT]
	RootCAs   *x509.CertPool // trust for the server and turns: relays; nil = system roots
	RelayOnly bool           // use relay candidates only
	Report    *Reporter      // where events go
	Logger    *slog.Logger   // nil discards
	Net       transport.Net  // nil = the host's network; tests pass a vnet
	// ConnectTimeout bounds the wait from join to a working link
	// (default 45 s).
	ConnectTimeout time.Duration
}

func (c *Common) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 45 * time.Second
	}
}

const byeTimeout = time.Second

// run is one side's live session: the signaling connection and the link.
type run struct {
	cfg       Common
	sc        *sigclient.Conn
	link      *peer.Link
	serverBye chan string // Bye reasons from the signaling server
	pumpDone  chan struct{}

	// Role-specific parts (screen, input): onControl gets control-channel
	// messages the session itself does not handle; startWorkers starts the
	// role's goroutines with goWorker once the link is up.
	onControl    func(ctx context.Context, env proto.Envelope)
	startWorkers func(ctx context.Context)
	beforeEnd    func()          // last words before the "ended" event (final stats)
	hangUp       <-chan struct{} // closed when this side's user ends the session
	ending       chan string     // a reason this side ends the session for (endWith)
	workers      sync.WaitGroup
	stopWorkers  context.CancelFunc
}

// endWith ends the session from this side for reason (first call wins).
func (r *run) endWith(reason string) {
	select {
	case r.ending <- reason:
	default:
	}
}

// drain reads and drops what arrives on a data channel this side does not
// serve (chat without the grant, say): an unread channel would fill its
// queue and stall the link's other channels behind it.
func (r *run) drain(ctx context.Context, name string) {
	r.goWorker(ctx, func(ctx context.Context) {
		ch := r.link.Channel(name)
		for {
			if _, err := ch.Recv(ctx); err != nil {
				return
			}
		}
	})
}

// goWorker runs f in a goroutine that close waits for; f must return once
// ctx ends or the link closes.
func (r *run) goWorker(ctx context.Context, f func(ctx context.Context)) {
	r.workers.Add(1)
	go func() {
		defer r.workers.Done()
		f(ctx)
	}()
}

func (r *run) sendSignal(s peer.Signal) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.sc.Send(ctx, proto.TypeSignal, proto.Signal{Data: data})
}

// startLink creates the peer link and the goroutine that feeds it signals
// from the server. pumpCtx must outlive the caller's ctx so that a Bye can
// still be sent after an interrupt; cancelling it closes the connection.
func (r *run) startLink(pumpCtx context.Context, role peer.Role, video peer.VideoDirection, ice []proto.ICEServer) error {
	link, err := peer.New(peer.Config{
		Role: role, Video: video, ICEServers: iceServers(ice), RelayOnly: r.cfg.RelayOnly,
		RootCAs: r.cfg.RootCAs, Send: r.sendSignal, Net: r.cfg.Net, Logger: r.cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("create peer link: %w", err)
	}
	r.link = link
	r.ending = make(chan string, 1)
	r.serverBye = make(chan string, 1)
	r.pumpDone = make(chan struct{})
	go r.pump(pumpCtx)
	return nil
}

// pump forwards Signal messages from the server to the link and Bye
// reasons to serverBye, until the connection closes.
func (r *run) pump(ctx context.Context) {
	defer close(r.pumpDone)
	for {
		env, err := r.sc.Recv(ctx)
		if err != nil {
			return
		}
		switch env.Type {
		case proto.TypeSignal:
			s, err := decodeSignal(env)
			if err == nil {
				err = r.link.HandleSignal(ctx, s)
			}
			if err != nil {
				r.cfg.Logger.Warn("bad signal from peer", "err", err)
			}
		case proto.TypeBye:
			bye, _ := proto.Body[proto.Bye](env)
			select {
			case r.serverBye <- bye.Reason:
			default:
			}
		}
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

// waitConnected waits for the link to come up. It returns an end reason
// instead when the session ends first.
func (r *run) waitConnected(ctx context.Context) (reason string, err error) {
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
func (r *run) control(ctx context.Context, acks chan<- string, byes chan<- string) {
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
				r.sendControl(ctx, proto.TypeHelloAck, proto.HelloAck{Nonce: h.Nonce, Version: Version})
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
			if r.onControl != nil {
				r.onControl(ctx, env)
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

func (r *run) sendControl(ctx context.Context, t proto.Type, body any) error {
	b, err := proto.Encode(t, body)
	if err != nil {
		return err
	}
	return r.link.Channel(peer.ChannelControl).Send(ctx, b)
}

// handshake sends Hello and waits for its HelloAck: the first round trip
// over the link, which the "connected" event reports.
func (r *run) handshake(ctx context.Context, acks <-chan string) (time.Duration, error) {
	nonce, err := randomHex(8)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	start := time.Now()
	if err := r.sendControl(ctx, proto.TypeHello, proto.Hello{Nonce: nonce, Version: Version}); err != nil {
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

// bye tells the other side why the session ends, over the link and through
// the server (whichever still works), then waits briefly for the other side
// to close so the message is not lost with our own close.
func (r *run) bye(reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if r.link != nil {
		r.sendControl(ctx, proto.TypeBye, proto.Bye{Reason: reason})
	}
	r.sc.Send(ctx, proto.TypeBye, proto.Bye{Reason: reason})
	if r.link != nil {
		select {
		case <-r.link.Done():
		case <-ctx.Done():
		}
	}
}

// close releases the link (and so its TURN allocation) and the signaling
// connection, and waits for the pump to stop.
func (r *run) close(cancelPump context.CancelFunc) {
	if r.stopWorkers != nil {
		r.stopWorkers()
	}
	if r.link != nil {
		r.link.Close()
	}
	r.workers.Wait()
	cancelPump()
	r.sc.Close()
	if r.pumpDone != nil {
		<-r.pumpDone
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

// ErrRefused is what RunTechnician returns when the customer refused the
// first request or let it time out.
var ErrRefused = fmt.Errorf("%w: the customer did not allow it", ErrEnded)
