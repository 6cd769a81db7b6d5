// Package deskclient is the technician's side of the operator's desk
// (package helpdesk, served at /v1/desk/operator): it connects with the
// operator's login token, reads the queue and the conversations' events,
// and picks, answers, invites and closes conversations.
//
// The messages are package chatwire's, which the hub uses too; the
// technician links them without the server. A test in helpdesk drives
// this client against the real hub.
//
// When the connection breaks (its node died, signaling restarted), Next
// reports TypeLost and dials the same URL again (a load balancer or DNS
// picks a live node) with the same token, backing off from 250 ms to 5 s
// with jitter, for at most two minutes. Once back it reports
// TypeReconnected, passes on the new queue, and picks again each
// conversation it was following: of the history that answers, only the
// events it had not delivered come out, as "event" messages, so a caller
// sees each numbered event once. A token the server no longer takes ends
// the desk with ErrUnauthorized: the client never logs in by itself.
// Requests made while the connection is down fail with ErrDisconnected.
package deskclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// The desk's messages are package chatwire's; these names are the ones
// the desk's callers (deskui, the technician) read them by.
type (
	// Event is one thing that happened in a conversation.
	Event = chatwire.Event
	// Summary is one conversation in the queue.
	Summary = chatwire.DeskSummary
	// Message is anything the desk receives; its Type says which fields
	// are set.
	Message = chatwire.DeskMessage
)

// Client is one desk connection, dialled again when it breaks. Next is
// called by one goroutine; requests may come from any.
type Client struct {
	url       string
	hc        *http.Client
	token     string
	maxOutage time.Duration // how long Next redials before giving up
	log       *slog.Logger

	mu     sync.Mutex
	ws     *websocket.Conn // nil while the connection is down
	stop   context.CancelFunc
	closed bool

	track tracker // Next's alone
}

// ErrUnauthorized: the server refused the login token.
var ErrUnauthorized = errors.New("the desk refused the login: log in again (technician -user ID)")

// ErrDisconnected: a request was made while the desk redials; make it
// again once TypeReconnected came.
var ErrDisconnected = errors.New("the desk connection is down and being taken up again: try again once it is back")

// The messages Next adds to the desk's own: the connection broke (it
// redials), and it is back (the queue follows).
const (
	TypeLost        = "connection-lost"
	TypeReconnected = "reconnected"
)

// MaxOutage is how long a broken desk connection is dialled again before
// Next gives up.
const MaxOutage = 2 * time.Minute

// URL turns a server URL into its desk endpoint.
func URL(server string) (string, error) {
	if !strings.Contains(server, "://") {
		server = "https://" + server
	}
	u, err := url.Parse(server)
	if err != nil || u.Host == "" || u.Scheme != "https" {
		return "", fmt.Errorf("server URL %q: want https://HOST[:PORT]", server)
	}
	u.Scheme = "wss"
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/desk/operator"
	return u.String(), nil
}

// Dial opens the desk on server with the operator's login token,
// trusting roots (nil: the system's).
func Dial(ctx context.Context, server string, roots *x509.CertPool, token string) (*Client, error) {
	u, err := URL(server)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: 10 * time.Second}
	c := &Client{url: u, hc: &http.Client{Transport: tr}, token: token, maxOutage: MaxOutage,
		log: slog.New(slog.DiscardHandler), track: newTracker()}
	ws, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.attach(ws)
	return c, nil
}

// SetLogger logs the desk's losses and reconnections to log.
func (c *Client) SetLogger(log *slog.Logger) {
	if log != nil {
		c.log = log
	}
}

// dial opens one connection to the desk.
func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	ws, resp, err := websocket.Dial(ctx, c.url, &websocket.DialOptions{HTTPClient: c.hc,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + c.token}}})
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return nil, ErrUnauthorized
		}
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("open desk: this server has no operator desk (upgrade it): %w", err)
		}
		return nil, fmt.Errorf("open desk: %w", err)
	}
	ws.SetReadLimit(1 << 20)
	return ws, nil
}

// Next returns the next message from the desk, TypeLost when the
// connection broke and TypeReconnected when it is back. Its error ends
// the desk: ctx ended, Close was called, the token was refused on
// reconnecting (ErrUnauthorized), or no node answered for MaxOutage.
func (c *Client) Next(ctx context.Context) (Message, error) {
	for {
		if m, ok := c.track.pop(); ok {
			return m, nil
		}
		ws := c.conn()
		if ws == nil {
			if err := c.reconnect(ctx); err != nil {
				return Message{}, err
			}
			continue
		}
		_, b, err := ws.Read(ctx)
		if err != nil {
			if ctx.Err() != nil || c.isClosed() {
				return Message{}, fmt.Errorf("desk: %w", err)
			}
			c.detach(ws)
			c.log.Warn("desk connection lost", "err", err)
			return Message{Type: TypeLost, Message: "desk connection lost: reconnecting"}, nil
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			return Message{}, fmt.Errorf("desk sent %q: %w", b, err)
		}
		c.track.take(m)
	}
}

func (c *Client) send(ctx context.Context, r chatwire.DeskRequest) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	ws := c.conn()
	if ws == nil {
		return fmt.Errorf("desk %s: %w", r.Type, ErrDisconnected)
	}
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("desk %s: %w", r.Type, err)
	}
	return nil
}

// Pick takes a waiting conversation (or takes up one of the operator's
// own again); its history follows.
func (c *Client) Pick(ctx context.Context, id string) error {
	return c.send(ctx, chatwire.DeskRequest{Type: chatwire.RequestPick, Conversation: id})
}

// Say sends text to the conversation's customer.
func (c *Client) Say(ctx context.Context, id, text string) error {
	return c.send(ctx, chatwire.DeskRequest{Type: chatwire.RequestSend, Conversation: id, Text: text})
}

// Typing tells the customer the operator is typing.
func (c *Client) Typing(ctx context.Context, id string) error {
	return c.send(ctx, chatwire.DeskRequest{Type: chatwire.RequestTyping, Conversation: id})
}

// Invite gives the customer code, of a session this operator opened, to
// download the agent with.
func (c *Client) Invite(ctx context.Context, id, code string) error {
	return c.send(ctx, chatwire.DeskRequest{Type: chatwire.RequestInvite, Conversation: id, Code: code})
}

// End ends the conversation.
func (c *Client) End(ctx context.Context, id, reason string) error {
	return c.send(ctx, chatwire.DeskRequest{Type: chatwire.RequestClose, Conversation: id, Reason: reason})
}

// Close closes the connection; Next then returns an error.
func (c *Client) Close() error {
	c.mu.Lock()
	ws, stop := c.ws, c.stop
	c.closed, c.ws, c.stop = true, nil, nil
	c.mu.Unlock()
	if ws == nil {
		return nil
	}
	stop()
	return ws.Close(websocket.StatusNormalClosure, "")
}
