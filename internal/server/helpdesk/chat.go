package helpdesk

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

const (
	helloTimeout = 10 * time.Second // the first frame must arrive by then
	writeTimeout = 10 * time.Second // a reader slower than this is dropped
	pingEvery    = 30 * time.Second // how often a page socket is checked
)

func (h *Hub) serveChat(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.cfg.OriginPatterns})
	if err != nil {
		return // Accept has answered
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxBody)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hello, err := readFrame(ctx, conn, helloTimeout)
	if err != nil || hello.Type != chatwire.FrameHello {
		writeFrame(ctx, conn, pageError("", errBadRequest))
		conn.Close(websocket.StatusPolicyViolation, "hello first")
		return
	}
	sock := &pageSocket{cancel: cancel}
	h.ensure(ctx, hello.ID)
	c, err := h.watch(hello.ID, hello.Key, sock)
	if err != nil {
		writeFrame(ctx, conn, pageError("", err))
		conn.Close(websocket.StatusPolicyViolation, asWire(err).Code)
		return
	}
	defer h.unwatch(c, sock)
	established(w)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		h.pushEvents(ctx, conn, c, hello.After)
	}()
	go h.ping(ctx, conn, cancel)
	h.readChat(ctx, conn, c.id, hello.Key)
	cancel()
	<-done
}

// established tells the server's WebSocket admission, when w carries it
// (package signaling admits every WebSocket of the public port), that the
// socket has proved itself: a newcomer on a full server no longer takes
// its slot.
func established(w http.ResponseWriter) {
	if e, ok := w.(interface{ Established() }); ok {
		e.Established()
	}
}

// ping checks every pingEvery that the page is still there, so a socket
// whose network died does not linger as a presence.
func (h *Hub) ping(ctx context.Context, conn *websocket.Conn, cancel context.CancelFunc) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, done := context.WithTimeout(ctx, writeTimeout)
		err := conn.Ping(pctx)
		done()
		if err != nil {
			cancel()
			return
		}
	}
}

// watch finds the page's conversation and counts its socket, so the
// customer counts as present while it is open. Beyond maxReaders sockets
// the oldest is closed: the newest is the page's current one.
func (h *Hub) watch(id, key string, s *pageSocket) (*conversation, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.customerConvLocked(id, key)
	if err != nil {
		return nil, err
	}
	c.sockets = append(c.sockets, s)
	if len(c.sockets) > maxReaders {
		c.sockets[0].cancel()
		c.sockets = c.sockets[1:]
	}
	return c, nil
}

func (h *Hub) unwatch(c *conversation, s *pageSocket) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.sockets = slices.DeleteFunc(c.sockets, func(o *pageSocket) bool { return o == s })
	c.lastSeen = h.cfg.Now()
}

// pushEvents sends the events after seq after, then every new one and
// the operator's typing notices, until ctx ends or a write fails.
func (h *Hub) pushEvents(ctx context.Context, conn *websocket.Conn, c *conversation, after int64) {
	h.mu.Lock()
	typing := c.typing
	h.mu.Unlock()
	for {
		h.mu.Lock()
		evs, notify, t := c.after(after), c.notify, c.typing
		h.mu.Unlock()
		for _, e := range evs {
			if writeFrame(ctx, conn, e) != nil {
				return
			}
			after = e.Seq
		}
		if t != typing {
			typing = t
			if writeFrame(ctx, conn, chatwire.Event{Type: chatwire.EventTyping, From: chatwire.FromOperator}) != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-notify:
		}
	}
}

// readChat handles the page's send and typing frames until the socket
// closes or misbehaves.
func (h *Hub) readChat(ctx context.Context, conn *websocket.Conn, id, key string) {
	lim := rate.NewLimiter(rate.Limit(h.cfg.FrameRate), h.cfg.FrameBurst)
	for {
		f, err := readFrame(ctx, conn, 0)
		if err != nil {
			return
		}
		if !lim.Allow() {
			conn.Close(websocket.StatusPolicyViolation, "too many frames")
			return
		}
		switch f.Type {
		case chatwire.FrameSend:
			_, err := h.Say(ctx, id, key, f.CID, f.Text)
			if err == errThrottled {
				// The page keeps the message and resends it when it
				// reconnects, after its back-off.
				conn.Close(websocket.StatusTryAgainLater, "slow down")
				return
			}
			if err != nil {
				writeFrame(ctx, conn, pageError(f.CID, err))
			}
		case chatwire.FrameTyping:
			h.CustomerTyping(id, key)
		default:
			writeFrame(ctx, conn, pageError("", errBadRequest))
		}
	}
}

// readFrame reads one JSON text frame, within timeout when it is not 0.
func readFrame(ctx context.Context, conn *websocket.Conn, timeout time.Duration) (chatwire.PageFrame, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var f chatwire.PageFrame
	typ, b, err := conn.Read(ctx)
	if err != nil {
		return f, err
	}
	if typ != websocket.MessageText || json.Unmarshal(b, &f) != nil {
		return f, errBadRequest
	}
	return f, nil
}

// pageError refuses the page's frame cid ("": none) with err.
func pageError(cid string, err error) chatwire.PageError {
	return chatwire.PageError{Type: chatwire.TypeError, CID: cid, Failure: asWire(err).Failure}
}

func writeFrame(ctx context.Context, conn *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, b)
}
