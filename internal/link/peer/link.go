package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"
)

// Errors a Link ends with (see Err).
var (
	ErrClosed       = errors.New("peer: link closed")
	ErrRemoteClosed = errors.New("peer: remote closed the link")
	ErrPathLost     = errors.New("peer: no network path to the remote peer")
	ErrHandshake    = errors.New("peer: dtls handshake failed")
)

// Link is one WebRTC connection to the other side. All methods are safe for
// concurrent use.
type Link struct {
	cfg      Config
	log      *slog.Logger
	pc       *webrtc.PeerConnection
	out      *outbox
	channels map[string]*Channel
	events   chan event
	relays   *relayDialer // nil without TCP or TLS relay URLs

	mu      sync.Mutex // serializes signaling; guards pending
	pending []webrtc.ICECandidateInit

	connected     chan struct{}
	connectedOnce sync.Once

	quit       chan struct{} // closed by Close: stops the supervisor
	supervised chan struct{} // closed when the supervisor has returned
	closeOnce  sync.Once
	done       chan struct{}
	doneOnce   sync.Once
	err        error // set before done is closed

	restarts atomic.Int32 // ICE restarts sent

	media         mediaState
	trackAttached bool           // guarded by mu
	laneMu        sync.Mutex
	express       *expressSender // the express lane; nil without one (laneMu)
}

// New builds a Link and its data channels. Nothing is sent until Start.
func New(cfg Config) (*Link, error) {
	return newLink(cfg, nil)
}

// newLink lets tests tweak pion's settings, e.g. to play a peer that breaks
// the cipher policy.
func newLink(cfg Config, tweak func(*webrtc.SettingEngine)) (*Link, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	rtc, err := rtcConfiguration(cfg)
	if err != nil {
		return nil, fmt.Errorf("new link: %w", err)
	}
	l := &Link{
		cfg:        cfg,
		log:        cfg.Logger.With("role", cfg.Role.String()),
		out:        newOutbox(),
		events:     make(chan event, 64),
		connected:  make(chan struct{}),
		quit:       make(chan struct{}),
		supervised: make(chan struct{}),
		done:       make(chan struct{}),
		relays:     turnTLSDialer(cfg),
	}
	me, ir, err := mediaAPI(cfg, &l.media, l.log)
	if err != nil {
		return nil, fmt.Errorf("new link: %w", err)
	}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(settingEngine(cfg, l.relays, tweak)),
		webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir))
	pc, err := api.NewPeerConnection(rtc)
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	l.pc = pc
	if err := l.setupMedia(); err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("new link: %w", err)
	}
	if l.channels, err = openChannels(pc); err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("new link: %w", err)
	}
	for _, c := range l.channels {
		c.link = l
	}
	l.watch()
	go l.out.run(l)
	go l.supervise()
	return l, nil
}

// Start begins negotiation: the Offerer sends its offer; the Answerer waits
// for one (Start is a no-op for it).
func (l *Link) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.cfg.Role != Offerer {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.offerLocked(false)
}

// offerLocked creates, sets and queues an offer. A restart while an
// offer is still unanswered (its answer, or the offer itself, was lost)
// sends that offer again: pion cannot roll a local offer back (its state
// machine refuses have-local-offer -> stable by rollback) nor replace it,
// and an answerer that did answer it answers the same offer again with
// the same credentials.
func (l *Link) offerLocked(restart bool) error {
	if restart && l.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		if pending := l.pc.PendingLocalDescription(); pending != nil {
			offer := *pending
			l.log.Info("sending the unanswered offer again")
			l.out.push(Signal{Description: &offer})
			return nil
		}
	}
	offer, err := l.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	if err := l.pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("set local offer: %w", err)
	}
	l.out.push(Signal{Description: &offer})
	return nil
}

// Channel returns the named data channel ("control", "input", "file" or
// "chat"), or nil for any other name.
func (l *Link) Channel(name string) *Channel { return l.channels[name] }

// Connected is closed once ICE and DTLS are up and the control channel is
// open.
func (l *Link) Connected() <-chan struct{} { return l.connected }

// WaitConnected waits for Connected and returns the path in use.
func (l *Link) WaitConnected(ctx context.Context) (Path, error) {
	select {
	case <-l.connected:
		return l.Path()
	case <-l.done:
		return Path{}, l.Err()
	case <-ctx.Done():
		return Path{}, fmt.Errorf("wait connected: %w", ctx.Err())
	}
}

// Done is closed when the link has failed for good or was closed.
func (l *Link) Done() <-chan struct{} { return l.done }

// Err returns why the link ended, or nil while it is alive.
func (l *Link) Err() error {
	select {
	case <-l.done:
		return l.err
	default:
		return nil
	}
}

// Close closes the link gracefully: it tells the remote side (DTLS
// close_notify), releases any TURN allocation and waits for the link's
// goroutines. It returns nil, or the error closing pion reported.
func (l *Link) Close() error {
	var err error
	l.closeOnce.Do(func() {
		// What was just sent on the lane (a goodbye) is delivered before
		// the link closes, as SCTP's graceful close delivers its own.
		if e := l.lane(); e != nil {
			e.drain(expressDrain)
		}
		close(l.quit)
		<-l.supervised
		l.finish(ErrClosed)
		l.relays.close()
		err = l.pc.GracefulClose()
		l.out.close()
	})
	if err != nil {
		return fmt.Errorf("close link: %w", err)
	}
	return nil
}

// finish records why the link ended and closes Done and the channels; the
// first reason wins.
func (l *Link) finish(err error) {
	l.doneOnce.Do(func() {
		l.err = err
		close(l.done)
		for _, c := range l.channels {
			c.shut()
		}
		if e := l.lane(); e != nil {
			e.close()
		}
		if !errors.Is(err, ErrClosed) {
			l.log.Info("link ended", "err", err)
		}
	})
}
