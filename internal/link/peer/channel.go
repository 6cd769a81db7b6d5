package peer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// The data channels every link carries, with their pre-agreed SCTP stream
// IDs (their index in channelIDs). All but "cursor" are ordered and
// reliable: "input" too, since a dropped key-up leaves a key stuck down on
// the agent. "cursor" carries the remote pointer's position, where only the
// latest matters: it is unordered and never retransmits, so a lost or late
// position never holds up the next one.
const (
	ChannelControl = "control"
	ChannelInput   = "input"
	ChannelFile    = "file"
	ChannelChat    = "chat"
	ChannelCursor  = "cursor"
)

var channelIDs = []string{ChannelControl, ChannelInput, ChannelFile, ChannelChat, ChannelCursor}

// unreliable lists the channels that neither keep order nor retransmit.
var unreliable = map[string]bool{ChannelCursor: true}

// recvQueue is how many received messages wait for Recv before the
// channel stops reading (see deliver).
const recvQueue = 256

// ErrChannelClosed is returned by Send and Recv once the channel or its link
// has closed.
var ErrChannelClosed = errors.New("peer: channel closed")

// Channel is one of the link's data channels.
type Channel struct {
	dc       *webrtc.DataChannel
	open     chan struct{}
	closed   chan struct{}
	openOnce sync.Once
	shutOnce sync.Once
	low      chan struct{}
	polls    atomic.Uint64 // Send's waits that the timer ended, not pion's signal
	// pollEvery bounds a wait for pion's signal (windowEvery; a test that
	// must see the signal do the work makes it longer than itself).
	pollEvery time.Duration
	recv      chan []byte
	win       *sendWindow
	id        uint16 // the SCTP stream ID
	link      *Link  // for the express lane
}

func openChannels(pc *webrtc.PeerConnection) (map[string]*Channel, error) {
	chans := make(map[string]*Channel, len(channelIDs))
	win := newSendWindow(pc)
	for i, name := range channelIDs {
		negotiated, id := true, uint16(i)
		init := &webrtc.DataChannelInit{Negotiated: &negotiated, ID: &id}
		if unreliable[name] {
			ordered, retransmits := false, uint16(0)
			init.Ordered, init.MaxRetransmits = &ordered, &retransmits
		}
		dc, err := pc.CreateDataChannel(name, init)
		if err != nil {
			return nil, fmt.Errorf("create %s channel: %w", name, err)
		}
		chans[name] = newChannel(dc, win)
		chans[name].id = id
	}
	return chans, nil
}

func newChannel(dc *webrtc.DataChannel, win *sendWindow) *Channel {
	c := &Channel{
		dc:     dc,
		open:   make(chan struct{}),
		closed: make(chan struct{}),
		low:    make(chan struct{}, 1),
		recv:   make(chan []byte, recvQueue),
		win:    win,

		pollEvery: windowEvery,
	}
	dc.OnBufferedAmountLow(c.signalLow)
	dc.OnOpen(func() { c.openOnce.Do(func() { close(c.open) }) })
	dc.OnClose(c.shut)
	dc.OnMessage(c.deliver)
	return c
}

// deliver queues an incoming message. When the queue is full it blocks
// pion's read loop, which in turn holds back the SCTP receive window.
func (c *Channel) deliver(m webrtc.DataChannelMessage) {
	select {
	case c.recv <- m.Data:
	case <-c.closed:
	}
}

func (c *Channel) signalLow() {
	select {
	case c.low <- struct{}{}:
	default:
	}
}

func (c *Channel) shut() { c.shutOnce.Do(func() { close(c.closed) }) }

// Name returns the channel's label.
func (c *Channel) Name() string { return c.dc.Label() }

// Opened is closed once the channel can carry messages.
func (c *Channel) Opened() <-chan struct{} { return c.open }

// Closed is closed once the channel or its link has closed.
func (c *Channel) Closed() <-chan struct{} { return c.closed }

// Send sends one message. It waits for the channel to open and, while more
// than the link's high water is queued already (see sendWindow), for the
// queue to drain to three quarters of it, or for ctx. The control, input
// and chat channels send on the express lane once it is negotiated
// (express.go), which has its own window.
func (c *Channel) Send(ctx context.Context, p []byte) error {
	if err := c.wait(ctx, c.open); err != nil {
		return err
	}
	if laneChannels[c.Name()] && c.link != nil {
		if e := c.link.lane(); e != nil && e.usable() {
			return c.sendLane(ctx, e, p)
		}
	}
	waited := false
	for {
		queued := c.dc.BufferedAmount()
		if queued <= windowMin {
			break // below any high water: no estimate needed
		}
		high := c.win.highWater()
		if queued <= high {
			break
		}
		// pion signals the queue draining past the threshold, so it is
		// set before the queue is read again: read above, it can only
		// drain past it later. The timer covers a threshold that moved
		// under a concurrent Send.
		if low := high - high/4; c.dc.BufferedAmountLowThreshold() != low {
			c.dc.SetBufferedAmountLowThreshold(low)
			continue
		}
		if err := c.waitLow(ctx); err != nil {
			return err
		}
		waited = true
	}
	if waited {
		// Pass the wake-up on: another Send may be waiting for the same
		// signal, and none comes again until the queue refills and drains.
		c.signalLow()
	}
	if err := c.dc.Send(p); err != nil {
		return fmt.Errorf("send on %s: %w", c.Name(), err)
	}
	return nil
}

// waitLow waits for the queue to drain to its threshold, or pollEvery.
func (c *Channel) waitLow(ctx context.Context) error {
	t := time.NewTimer(c.pollEvery)
	defer t.Stop()
	select {
	case <-c.low:
		return nil
	case <-t.C:
		c.polls.Add(1)
		return nil
	case <-c.closed:
		return ErrChannelClosed
	case <-ctx.Done():
		return fmt.Errorf("send on %s: %w", c.Name(), ctx.Err())
	}
}

func (c *Channel) wait(ctx context.Context, ready <-chan struct{}) error {
	select {
	case <-ready:
		return nil
	case <-c.closed:
		return ErrChannelClosed
	case <-ctx.Done():
		return fmt.Errorf("send on %s: %w", c.Name(), ctx.Err())
	}
}

// Recv returns the next message, ErrChannelClosed once the channel has
// closed and every queued message was read, or ctx's error.
func (c *Channel) Recv(ctx context.Context) ([]byte, error) {
	select {
	case m := <-c.recv:
		return m, nil
	default:
	}
	select {
	case m := <-c.recv:
		return m, nil
	case <-c.closed:
		select {
		case m := <-c.recv:
			return m, nil
		default:
			return nil, ErrChannelClosed
		}
	case <-ctx.Done():
		return nil, fmt.Errorf("recv on %s: %w", c.Name(), ctx.Err())
	}
}

// sendLane sends p on the express lane (express.go), which carries the
// control, input and chat channels once negotiated.
func (c *Channel) sendLane(ctx context.Context, e *expressSender, p []byte) error {
	err := e.send(ctx, c.id, p)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errExpressClosed):
		return ErrChannelClosed
	default:
		return fmt.Errorf("send on %s: %w", c.Name(), err)
	}
}
