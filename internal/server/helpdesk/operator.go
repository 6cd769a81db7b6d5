package helpdesk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"strings"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

var errUnauthorized = refusal(http.StatusUnauthorized, chatwire.CodeUnauthorized, "log in again: the login token is missing, expired or not allowed from this address")

// authorize checks the request's Bearer login token and the operator's IP
// rules for from.
func (h *Hub) authorize(r *http.Request, from netip.Addr) (store.Account, error) {
	if h.cfg.Auth == nil {
		return store.Account{}, errUnavailable
	}
	now := h.cfg.Now()
	if h.throttle.Blocked(from, now) {
		return store.Account{}, errThrottled
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	a, err := h.cfg.Auth.Authenticate(r.Context(), token)
	if ok && err == nil {
		err = h.cfg.Auth.CheckSource(r.Context(), a.ID, from)
	}
	if !ok || err != nil {
		h.throttle.Allow(from, now) // one failure
		return store.Account{}, errUnauthorized
	}
	return a, nil
}

func (h *Hub) serveOperator(w http.ResponseWriter, r *http.Request) {
	from := h.clientAddr(r)
	a, err := h.authorize(r, from)
	if err != nil {
		writeError(w, err)
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.cfg.OriginPatterns})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	established(w) // authorized before the upgrade
	conn.SetReadLimit(maxBody)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := &desk{operatorID: a.ID, operator: chatwire.Operator{Name: a.DisplayName, Organisation: a.Organisation},
		out: make(chan []byte, 256), gone: make(chan struct{})}
	h.addDesk(d)
	defer h.removeDesk(d)
	h.cfg.Logger.Info("desk connected", "operator", a.ID, "from", from)
	go func() {
		defer cancel()
		h.writeDesk(ctx, conn, d)
	}()
	h.readDesk(ctx, conn, d, from)
}

func (h *Hub) addDesk(d *desk) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.desks[d] = struct{}{}
	h.sendLocked(d, h.queueLocked(d.operatorID))
}

func (h *Hub) removeDesk(d *desk) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.desks, d)
	if !d.dropped {
		d.dropped = true
		close(d.gone)
	}
}

// writeDesk sends d's queued messages until the hub drops it or ctx ends.
func (h *Hub) writeDesk(ctx context.Context, conn *websocket.Conn, d *desk) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.gone:
			conn.Close(websocket.StatusPolicyViolation, "too slow")
			return
		case b := <-d.out:
			wctx, cancel := context.WithTimeout(ctx, h.cfg.OperatorTimeout)
			err := conn.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				return
			}
		}
	}
}

func (h *Hub) readDesk(ctx context.Context, conn *websocket.Conn, d *desk, from netip.Addr) {
	lim := rate.NewLimiter(rate.Limit(h.cfg.FrameRate), h.cfg.FrameBurst)
	for {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var req chatwire.DeskRequest
		if typ != websocket.MessageText || json.Unmarshal(b, &req) != nil || !lim.Allow() {
			conn.Close(websocket.StatusPolicyViolation, "bad request")
			return
		}
		if err := h.handle(ctx, d, req, from); err != nil {
			we := asWire(err)
			var known *wireError
			if !errors.As(err, &known) {
				h.cfg.Logger.Error("desk request failed", "type", req.Type, "err", err)
			}
			h.mu.Lock()
			h.sendLocked(d, chatwire.DeskError{Type: chatwire.TypeError, Conversation: req.Conversation, Failure: we.Failure})
			h.mu.Unlock()
		}
	}
}
