package login

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/xdg-go/scram"
)

// Login logs id in at baseURL (https://host[:port]) with SCRAM-SHA-256 and
// returns a session token. The password never leaves this process: only a
// proof derived from it, bound to the TLS connection, is sent.
//
// Channel binding needs the TLS connection both requests travel on, which
// net/http hides. So Login dials one TLS connection itself - with hc's
// transport settings (RootCAs, client certificates, dialer) - reads its
// tls-exporter value, and sends both requests over that connection alone,
// through a clone of hc's transport whose DialTLSContext returns it once
// and refuses to dial again. hc's Transport must be an *http.Transport or
// nil. HTTP proxies are not used for login yet.
func Login(ctx context.Context, hc *http.Client, baseURL, id, password string) (Token, error) {
	return LoginTOTP(ctx, hc, baseURL, id, password, "")
}

// LoginTOTP is Login for an account with a TOTP second factor: code is
// the authenticator app's current code, sent in login/finish.
func LoginTOTP(ctx context.Context, hc *http.Client, baseURL, id, password, code string) (Token, error) {
	c, cb, closeConn, err := PinnedClient(ctx, hc, baseURL)
	if err != nil {
		return Token{}, fmt.Errorf("login: %w", err)
	}
	defer closeConn()
	sc, err := scram.SHA256.NewClient(strings.ToLower(id), password, "")
	if err != nil {
		return Token{}, errors.New("login: the ID or password contains characters that cannot be used (SASLprep)")
	}
	conv := sc.NewConversation()
	if cb.IsSupported() {
		conv = sc.NewConversationWithChannelBinding(cb)
	}
	first, err := conv.Step("")
	if err != nil {
		return Token{}, fmt.Errorf("login: %w", err)
	}
	var start StartResponse
	if err := post(ctx, c, baseURL+"/v1/login/start", StartRequest{ID: strings.ToLower(id), ClientFirst: first}, decodeStartResponse, &start); err != nil {
		return Token{}, fmt.Errorf("login: %w", err)
	}
	final, err := conv.Step(start.ServerFirst)
	if err != nil {
		return Token{}, fmt.Errorf("login: server's SCRAM challenge refused: %w", err)
	}
	var fin FinishResponse
	if err := post(ctx, c, baseURL+"/v1/login/finish", FinishRequest{LoginID: start.LoginID, ClientFinal: final, TOTP: code}, decodeFinishResponse, &fin); err != nil {
		return Token{}, fmt.Errorf("login: %w", err)
	}
	if _, err := conv.Step(fin.ServerFinal); err != nil || !conv.Valid() {
		return Token{}, errors.New("login: the server could not prove it holds this account's keys: it may be an impostor; do not use this token")
	}
	return Token{Value: fin.Token, Expires: fin.Expires}, nil
}

// PinnedClient dials one TLS connection to baseURL and returns a client
// that uses only it, with its channel binding, and the function that
// closes it. Login uses it; the server's tests use it to speak the
// protocol by hand.
func PinnedClient(ctx context.Context, hc *http.Client, baseURL string) (*http.Client, scram.ChannelBinding, func(), error) {
	var none scram.ChannelBinding
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, none, nil, fmt.Errorf("server address %q: use https://host[:port]", baseURL)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	base, ok := hc.Transport.(*http.Transport)
	if hc.Transport == nil {
		base, ok = http.DefaultTransport.(*http.Transport)
	}
	if !ok {
		return nil, none, nil, errors.New("the HTTP client's transport must be an *http.Transport to bind the login to its TLS connection")
	}
	tr := base.Clone()
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, port = u.Hostname(), "443"
	}
	cfg := tr.TLSClientConfig.Clone()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.NextProtos = []string{"http/1.1"}
	dial := tr.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	raw, err := dial(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, none, nil, fmt.Errorf("connect: %w", err)
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, none, nil, fmt.Errorf("tls handshake: %w", err)
	}
	state := conn.ConnectionState()
	cb, err := scram.NewTLSExporterBinding(&state)
	if err != nil {
		cb = none // the server decides whether it accepts an unbound login
	}
	var once sync.Once
	tr.Proxy = nil
	tr.ForceAttemptHTTP2 = false
	tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	tr.MaxConnsPerHost = 1
	tr.DialTLSContext = func(context.Context, string, string) (net.Conn, error) {
		var c net.Conn = nil
		once.Do(func() { c = conn })
		if c == nil {
			return nil, errors.New("the login connection closed mid-login: try again")
		}
		return c, nil
	}
	tr.DialContext = tr.DialTLSContext
	client := &http.Client{Transport: tr, Timeout: hc.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return client, cb, func() { tr.CloseIdleConnections(); conn.Close() }, nil
}

// post sends v as JSON and decodes a 200 answer into out, or maps an
// error answer to its sentinel.
func post[T any](ctx context.Context, c *http.Client, u string, v any, decode func([]byte) (T, error), out *T) error {
	body, _ := json.Marshal(v)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxMessage+1))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errorFromWire(resp.StatusCode, b)
	}
	*out, err = decode(b)
	return err
}
