package deskclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/link/backoff"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// The redial's pace: the first attempt at once, then backoff.Redial's
// waits.
const (
	dialTimeout = 10 * time.Second
	// pingEvery finds a connection whose node vanished without closing it
	// (power lost, network cut): a ping unanswered for as long breaks it.
	pingEvery = 15 * time.Second
)

var errClosed = errors.New("desk: closed")

func (c *Client) conn() *websocket.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// attach makes ws the desk's connection and starts its keepalive; it
// reports false (and closes ws) if Close came first.
func (c *Client) attach(ws *websocket.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		ws.CloseNow()
		return false
	}
	ctx, stop := context.WithCancel(context.Background())
	c.ws, c.stop = ws, stop
	go keepalive(ctx, ws)
	return true
}

// detach drops ws, which broke.
func (c *Client) detach(ws *websocket.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ws != ws {
		return
	}
	c.stop()
	ws.CloseNow()
	c.ws, c.stop = nil, nil
}

// keepalive pings ws until ctx ends, and closes it when a ping goes
// unanswered (the reader then sees the break).
func keepalive(ctx context.Context, ws *websocket.Conn) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, pingEvery)
		err := ws.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			ws.CloseNow()
			return
		}
	}
}

// reconnect dials the desk again until it answers, the token is refused,
// ctx ends, Close is called or maxOutage has passed; once back it picks
// again the conversations being followed.
func (c *Client) reconnect(ctx context.Context) error {
	deadline := time.Now().Add(c.maxOutage)
	pace := backoff.Redial()
	for attempt := 1; ; attempt++ {
		if c.isClosed() {
			return errClosed
		}
		dctx, cancel := context.WithTimeout(ctx, dialTimeout)
		ws, err := c.dial(dctx)
		cancel()
		if err == nil {
			return c.resume(ctx, ws, attempt)
		}
		wait := pace.Next()
		switch {
		case errors.Is(err, ErrUnauthorized):
			return fmt.Errorf("desk reconnect: %w", err)
		case ctx.Err() != nil:
			return fmt.Errorf("desk: %w", ctx.Err())
		case time.Now().Add(wait).After(deadline):
			return fmt.Errorf("desk connection lost and no server answered for %s (check the network and the server, then open the desk again): %w", c.maxOutage, err)
		}
		c.log.Debug("desk redial failed", "attempt", attempt, "err", err)
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("desk: %w", err)
		}
	}
}

// resume takes ws as the desk's connection and picks again each
// conversation followed, whose missed events then come out of Next.
func (c *Client) resume(ctx context.Context, ws *websocket.Conn, attempts int) error {
	if !c.attach(ws) {
		return errClosed
	}
	c.log.Info("desk reconnected", "attempts", attempts)
	c.track.push(Message{Type: TypeReconnected, Message: "desk reconnected"})
	for _, id := range c.track.following() {
		c.track.resuming[id] = true
		if err := c.send(ctx, chatwire.DeskRequest{Type: chatwire.RequestPick, Conversation: id}); err != nil {
			c.log.Warn("desk resume pick failed", "conversation", id, "err", err)
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
