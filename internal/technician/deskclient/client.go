// Package deskclient is the technician's side of the operator's desk
// (package helpdesk, served at /v1/desk/operator): it connects with the
// operator's login token, reads the queue and the conversations' events,
// and picks, answers, invites and closes conversations.
//
// The messages are package chatwire's, which the hub uses too; the
// technician links them without the server. A test in helpdesk drives
// this client against the real hub.
package deskclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
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

// Client is one desk connection.
type Client struct {
	ws *websocket.Conn
}

// ErrUnauthorized: the server refused the login token.
var ErrUnauthorized = errors.New("the desk refused the login: log in again (technician -user ID)")

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
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr},
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
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
	return &Client{ws: ws}, nil
}

// Next returns the next message from the desk.
func (c *Client) Next(ctx context.Context) (Message, error) {
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return Message{}, fmt.Errorf("desk: %w", err)
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return Message{}, fmt.Errorf("desk sent %q: %w", b, err)
	}
	return m, nil
}

func (c *Client) send(ctx context.Context, r chatwire.DeskRequest) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
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

// Close closes the connection.
func (c *Client) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "") }
