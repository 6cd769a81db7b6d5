// Package sigclient is the client side of the signaling protocol, used by
// both the technician and the agent: it dials the server's WebSocket over
// TLS (trusting the system roots plus an optional private certificate;
// for a stamped agent download, DialPinned trusts only the certificate key
// the stamp pins, and ServerTime asks that server's clock), sends Open,
// Join or JoinTicket, and then exchanges envelopes. Errors are turned into
// messages that say what to do (a server refusing for load is ErrBusy).
package sigclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Conn is one signaling connection.
type Conn struct {
	ws     *websocket.Conn
	pinned *x509.Certificate // DialPinned's server certificate

	mu        sync.Mutex
	resumable proto.Resumable // the last Resumable the server sent (Recv)

	// Agent is the agent's identity (package agentid) that Join and
	// JoinTicket send; empty sends none.
	Agent string
}

// Errors a caller may branch on.
var (
	ErrUnreachable = errors.New("cannot reach the signaling server")
	ErrUntrusted   = errors.New("the signaling server's certificate is not trusted")
	// ErrBusy: the server refused the connection for load (its own or
	// this address's); the message says when to try again.
	ErrBusy = errors.New("the signaling server is busy")
	// ErrPinMismatch: the server's certificate key is not the pinned one.
	ErrPinMismatch = errors.New("the signaling server's certificate key does not match this download's")
	// ErrTicketRefused: the server refused a stamped download's ticket.
	// ErrResumeRefused: the server no longer holds the session (it
	// ended, expired, or the server restarted and forgot it).
	ErrResumeRefused = errors.New("the signaling server no longer knows this session")
	ErrTicketRefused = errors.New("this download was for a session that has ended or was already used; ask your technician for a new link")
)

// WSURL turns a server URL ("https://host:port", "host:port") into its
// WebSocket endpoint.
func WSURL(server string) (string, error) {
	if !strings.Contains(server, "://") {
		server = "https://" + server
	}
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("server URL %q: want https://HOST[:PORT]", server)
	}
	switch u.Scheme {
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("server URL %q: only https:// is supported (signaling always uses TLS)", server)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/ws"
	return u.String(), nil
}

// Dial connects to server, trusting roots (nil = system roots). When the
// environment names an HTTPS proxy for it (HTTPS_PROXY, NO_PROXY), the
// WebSocket goes through that proxy with CONNECT, TLS end to end.
func Dial(ctx context.Context, server string, roots *x509.CertPool) (*Conn, error) {
	return dial(ctx, server, &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12})
}

// DialAny connects to the first of servers that answers, trusting roots:
// the nodes of one service, tried in turn, each for at most perServer.
func DialAny(ctx context.Context, servers []string, roots *x509.CertPool) (*Conn, error) {
	var errs []error
	for _, server := range servers {
		dctx, cancel := context.WithTimeout(ctx, perServer)
		c, err := Dial(dctx, server, roots)
		cancel()
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("%w: no server URL given", ErrUnreachable)
	}
	return nil, errors.Join(errs...)
}

// perServer bounds DialAny's attempt on one server, so that a node that
// does not answer at all leaves time for the next.
const perServer = 5 * time.Second

func dial(ctx context.Context, server string, tc *tls.Config) (*Conn, error) {
	wsURL, err := WSURL(server)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		TLSClientConfig:     tc,
		Proxy:               http.ProxyFromEnvironment,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	ws, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		if busy := explainBusy(server, resp); busy != nil {
			return nil, busy
		}
		return nil, explainDial(server, proxyFor(tr, wsURL), err)
	}
	ws.SetReadLimit(proto.MaxMessageSize)
	return &Conn{ws: ws}, nil
}

// proxyFor is the proxy the transport uses for wsURL (the WebSocket library
// asks for it as https), nil when it connects directly.
func proxyFor(tr *http.Transport, wsURL string) *url.URL {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil
	}
	u.Scheme = "https"
	proxy, _ := tr.Proxy(&http.Request{URL: u})
	return proxy
}

// explainBusy turns the server's refusals for load into what a user can
// act on: 429 means this address (or its office's NAT) holds too many
// connections or opens them too fast, 503 that the server is full. Both
// carry Retry-After. It is nil for any other answer.
func explainBusy(server string, resp *http.Response) error {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return nil
	}
	wait := "a minute"
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		wait = fmt.Sprintf("%d s", s)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return fmt.Errorf("%w at %s: too many connections from this address (or from this office's shared internet address); close other Tandem windows or try again in %s, and ask IT to raise -max-conns-per-source if an office shares one address", ErrBusy, server, wait)
	}
	return fmt.Errorf("%w at %s: the server is full; try again in %s", ErrBusy, server, wait)
}

func explainDial(server string, proxy *url.URL, err error) error {
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.Is(err, ErrPinMismatch):
		return fmt.Errorf("%w at %s: it is not the server this download was made for; download the agent again from your technician's help page", ErrPinMismatch, server)
	case errors.As(err, &unknown), errors.As(err, &certErr):
		return fmt.Errorf("%w at %s (%v): pass -ca with the server's certificate (its DATA/cert.pem) or check the URL", ErrUntrusted, server, err)
	case errors.As(err, &hostErr):
		return fmt.Errorf("%w at %s: it is not valid for this name (%v); use the URL the server prints", ErrUntrusted, server, err)
	}
	if proxy != nil {
		// A proxy's refusal reads as its bare status text ("Forbidden").
		return fmt.Errorf("%w at %s through the proxy %s (from HTTPS_PROXY): %v; check that the proxy runs and lets CONNECT to the server through, or exempt the server with NO_PROXY",
			ErrUnreachable, server, proxy.Host, err)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w at %s: %v; check the address and that the server runs", ErrUnreachable, server, err)
	}
	return fmt.Errorf("%w at %s: %v", ErrUnreachable, server, err)
}

// Send writes one message.
func (c *Conn) Send(ctx context.Context, t proto.Type, body any) error {
	b, err := proto.Encode(t, body)
	if err != nil {
		return err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("send %s: %w", t, err)
	}
	return nil
}

// Recv reads the next message. A server Error message is returned as its
// sentinel error (see proto.Error.Err). Resumable is kept for
// ResumeSecret, not returned.
func (c *Conn) Recv(ctx context.Context) (proto.Envelope, error) {
	for {
		env, err := c.recv(ctx)
		if err != nil || env.Type != proto.TypeResumable {
			return env, err
		}
		if r, err := proto.Body[proto.Resumable](env); err == nil {
			c.mu.Lock()
			c.resumable = r
			c.mu.Unlock()
		}
	}
}

// ResumeSecret is the resume secret the server gave this connection for
// session (after Opened or Joined, read by Recv), or "".
func (c *Conn) ResumeSecret(session string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.resumable.Session != session {
		return ""
	}
	return c.resumable.Secret
}

func (c *Conn) recv(ctx context.Context) (proto.Envelope, error) {
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		return proto.Envelope{}, fmt.Errorf("signaling connection: %w", err)
	}
	env, err := proto.Decode(data)
	if err != nil {
		return env, err
	}
	if env.Type == proto.TypeError {
		e, err := proto.Body[proto.Error](env)
		if err != nil {
			return env, err
		}
		return env, e.Err()
	}
	return env, nil
}

// Open authenticates as a technician and opens a session.
func (c *Conn) Open(ctx context.Context, token string) (proto.Opened, error) {
	if err := c.Send(ctx, proto.TypeOpen, proto.Open{Token: token}); err != nil {
		return proto.Opened{}, err
	}
	return expect[proto.Opened](ctx, c, proto.TypeOpened)
}

// Join joins the session of code (typed form: the server part is extracted).
func (c *Conn) Join(ctx context.Context, code string) (proto.Joined, error) {
	server := proto.ServerCode(code)
	if !proto.ValidServerCode(server) {
		return proto.Joined{}, fmt.Errorf("%q is not a session code: it is %d to %d digits, as the technician gave it", code, proto.MinCodeDigits, proto.MaxCodeDigits)
	}
	if err := c.Send(ctx, proto.TypeJoin, proto.Join{Code: server, Agent: c.Agent}); err != nil {
		return proto.Joined{}, err
	}
	return expect[proto.Joined](ctx, c, proto.TypeJoined)
}

// JoinTicket joins the session of a one-time ticket, from a stamped agent
// download. The server's refusal (the ticket is used, expired, or its
// session over) is ErrTicketRefused.
func (c *Conn) JoinTicket(ctx context.Context, ticket string) (proto.Joined, error) {
	if err := c.Send(ctx, proto.TypeJoin, proto.Join{Ticket: ticket, Agent: c.Agent}); err != nil {
		return proto.Joined{}, err
	}
	j, err := expect[proto.Joined](ctx, c, proto.TypeJoined)
	if errors.Is(err, proto.ErrInvalidCode) {
		return j, ErrTicketRefused
	}
	return j, err
}

// Resume takes up role's side of a joined session again on this new
// connection, with the secret ResumeSecret gave (docs/wire.md section
// 3.6). A server that does not know the session, or not with that secret,
// answers ErrResumeRefused.
func (c *Conn) Resume(ctx context.Context, session string, role proto.Role, secret string) (proto.Resumed, error) {
	if err := c.Send(ctx, proto.TypeResume, proto.Resume{Session: session, Role: role, Secret: secret}); err != nil {
		return proto.Resumed{}, err
	}
	r, err := expect[proto.Resumed](ctx, c, proto.TypeResumed)
	if errors.Is(err, proto.ErrInvalidCode) {
		return r, ErrResumeRefused
	}
	return r, err
}

func expect[T any](ctx context.Context, c *Conn, t proto.Type) (T, error) {
	var zero T
	env, err := c.Recv(ctx)
	if err != nil {
		return zero, err
	}
	if env.Type != t {
		return zero, fmt.Errorf("signaling: got %s, want %s", env.Type, t)
	}
	return proto.Body[T](env)
}

// Close closes the connection.
func (c *Conn) Close() error {
	return c.ws.Close(websocket.StatusNormalClosure, "")
}
