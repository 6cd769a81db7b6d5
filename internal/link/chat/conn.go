package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
)

// Message is one chat message, sent or received.
type Message struct {
	ID   uint64    `json:"id"`   // the sender's count, from 1
	From string    `json:"from"` // who wrote it: "technician", "customer" or a display name
	Text string    `json:"text"`
	Sent time.Time `json:"sent"` // the sender's clock
}

// Channel carries whole messages, reliably and in order: a *peer.Channel,
// or a fake in tests. Recv returns peer.ErrChannelClosed once the channel
// has closed.
type Channel interface {
	Send(ctx context.Context, p []byte) error
	Recv(ctx context.Context) ([]byte, error)
}

var _ Channel = (*peer.Channel)(nil)

// Options configures a Conn.
type Options struct {
	// Peer names the other side's messages; "" means "customer" when self
	// is "technician", "technician" when self is "customer", else "peer".
	Peer string
	// Logger receives a line for each dropped incoming message; nil
	// discards.
	Logger *slog.Logger
	// Now stamps sent messages; nil means time.Now.
	Now func() time.Time
}

// incomingQueue is how many received messages wait for the reader of
// Incoming before Run stops reading the channel.
const incomingQueue = 64

// Conn is one side's chat over a Channel. Its methods are safe for
// concurrent use.
type Conn struct {
	ch   Channel
	self string
	peer string
	log  *slog.Logger
	now  func() time.Time
	in   chan Message

	sendMu sync.Mutex // orders sends on the wire and in the transcript
	lastID uint64

	mu         sync.Mutex
	transcript []Message
}

// New returns a Conn that sends as self over ch. Call Run to receive.
func New(ch Channel, self string, o Options) *Conn {
	c := &Conn{ch: ch, self: self, peer: o.Peer, log: o.Logger, now: o.Now, in: make(chan Message, incomingQueue)}
	if c.peer == "" {
		c.peer = map[string]string{"technician": "customer", "customer": "technician"}[self]
	}
	if c.peer == "" {
		c.peer = "peer"
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Send cleans text (see the package comment), sends it and adds it to the
// transcript. It returns ErrEmpty, ErrTooLong or ErrNotUTF8 for text it
// will not send, or the channel's error.
func (c *Conn) Send(ctx context.Context, text string) (Message, error) {
	text, err := cleanText(text)
	if err != nil {
		return Message{}, err
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	// An ID is used up even if sending fails: the peer may have it.
	c.lastID++
	m := Message{ID: c.lastID, From: c.self, Text: text, Sent: c.now()}
	b, err := encode(m)
	if err != nil {
		return Message{}, fmt.Errorf("chat: encode: %w", err)
	}
	if err := c.ch.Send(ctx, b); err != nil {
		return Message{}, fmt.Errorf("chat: send: %w", err)
	}
	c.record(m)
	return m, nil
}

// Run receives messages until the channel closes (it returns nil) or ctx
// ends, then closes Incoming. Messages that fail to decode are logged and
// dropped. Call it once.
func (c *Conn) Run(ctx context.Context) error {
	defer close(c.in)
	for {
		b, err := c.ch.Recv(ctx)
		if errors.Is(err, peer.ErrChannelClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("chat: receive: %w", err)
		}
		m, err := decode(b)
		if err != nil {
			c.log.Warn("chat message dropped", "err", err, "bytes", len(b))
			continue
		}
		m.From = c.peer
		c.record(m)
		select {
		case c.in <- m:
		case <-ctx.Done():
			return fmt.Errorf("chat: deliver: %w", ctx.Err())
		}
	}
}

// Incoming delivers received messages; Run closes it when it returns.
// While nobody reads it, Run stops reading the channel after a queue of
// messages, so read it for as long as Run runs.
func (c *Conn) Incoming() <-chan Message { return c.in }

// Transcript returns both directions' messages in the order this side
// sent or received them.
func (c *Conn) Transcript() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.transcript...)
}

func (c *Conn) record(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.transcript = append(c.transcript, m)
}
