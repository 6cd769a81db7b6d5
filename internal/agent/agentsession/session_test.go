package agentsession

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/relay"
	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// stack is every server role in one process: a signaling server over TLS
// with operator accounts and a TURN relay, both on loopback.
type stack struct {
	url   string
	roots *x509.CertPool
	relay *relay.Relay
	token string // a logged-in operator's session token, for Open
	admin *signalingtest.Admin
}

func newStack(t testing.TB, turnTransports ...string) *stack {
	t.Helper()
	return newStackListener(t, nil, turnTransports...)
}

// newStackListener is newStack with the signaling server's listener wrapped
// by wrap (when not nil), for fault injection.
func newStackListener(t testing.TB, wrap func(net.Listener) net.Listener, turnTransports ...string) *stack {
	t.Helper()
	r, err := relay.New(relay.Config{
		UDPAddr: "127.0.0.1:0", TCPAddr: "127.0.0.1:0", Secret: secret,
		// Both peers' relayed addresses are on loopback here.
		AllowPeers: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	var urls []string
	for _, tr := range turnTransports {
		addr := r.Addrs().UDP
		if tr == "tcp" {
			addr = r.Addrs().TCP
		}
		urls = append(urls, "turn:"+addr.String()+"?transport="+tr)
	}
	srv := signalingtest.Start(t, signaling.Config{TURNURLs: urls, TURNSecret: secret}, wrap)
	return &stack{url: srv.URL, roots: srv.Roots, relay: r, token: srv.Operator.Token, admin: srv.Admin}
}

// events collects one side's JSON events, line by line, as they come.
type events struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan map[string]any
}

func newEvents() *events { return &events{lines: make(chan map[string]any, 32)} }

func (e *events) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.buf.Write(p)
	for {
		line, err := e.buf.ReadBytes('\n')
		if err != nil {
			e.buf.Write(line) // keep the partial line
			return len(p), nil
		}
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			e.lines <- m
		}
	}
}

func (e *events) next(t *testing.T, name string) map[string]any {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-e.lines:
			if m["event"] == name {
				return m
			}
		case <-timeout:
			t.Fatalf("no %q event", name)
		}
	}
}

func (s *stack) common(ev *events, relayOnly bool) session.Common {
	return session.Common{Server: s.url, RootCAs: s.roots, RelayOnly: relayOnly, Report: session.NewReporter(ev, true)}
}

type result struct {
	techErr, agentErr error
	tech, agent       *events
}

// session runs a technician and an agent against s until the technician
// hangs up after endAfter.
func (s *stack) session(t *testing.T, relayOnly bool) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := result{tech: newEvents(), agent: newEvents()}
	techDone := make(chan error, 1)
	go func() {
		techDone <- techsession.New(techsession.TechnicianConfig{Common: s.common(res.tech, relayOnly), Token: s.token, EndAfter: 300 * time.Millisecond}).Run(ctx)
	}()
	code := res.tech.next(t, "code")["code"].(string)
	res.agentErr = RunAgent(ctx, AgentConfig{Common: s.common(res.agent, relayOnly), Code: code})
	res.techErr = <-techDone
	return res
}

func TestSessionMatrix(t *testing.T) {
	for _, tc := range []struct {
		name       string
		transports []string
		relayOnly  bool
		path       string
		protocol   string
	}{
		{"direct on loopback", []string{"udp"}, false, "direct", "udp"},
		{"relay only over UDP", []string{"udp"}, true, "relayed", "udp"},
		{"relay only over TCP", []string{"tcp"}, true, "relayed", "tcp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakcheck.Check(t)
			s := newStack(t, tc.transports...)
			res := s.session(t, tc.relayOnly)
			if res.techErr != nil || res.agentErr != nil {
				t.Fatalf("technician: %v; agent: %v", res.techErr, res.agentErr)
			}
			for side, ev := range map[string]*events{"technician": res.tech, "agent": res.agent} {
				c := ev.next(t, "connected")
				if c["path"] != tc.path || c["protocol"] != tc.protocol {
					t.Errorf("%s: path %v over %v, want %s over %s", side, c["path"], c["protocol"], tc.path, tc.protocol)
				}
				if c["dtls"] != "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" || c["srtp"] != "SRTP_AEAD_AES_256_GCM" {
					t.Errorf("%s: protection %v / %v", side, c["dtls"], c["srtp"])
				}
				if rtt, _ := c["rtt_ms"].(float64); rtt <= 0 {
					t.Errorf("%s: no round trip measured: %v", side, c["rtt_ms"])
				}
				if e := ev.next(t, "ended"); e["reason"] != session.ReasonHangup {
					t.Errorf("%s: ended %v, want hangup", side, e["reason"])
				}
			}
		})
	}
}

func TestAgentInterruptEndsBothSides(t *testing.T) {
	leakcheck.Check(t)
	s := newStack(t, "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tech, agent := newEvents(), newEvents()
	techDone := make(chan error, 1)
	go func() {
		techDone <- techsession.New(techsession.TechnicianConfig{Common: s.common(tech, false), Token: s.token}).Run(ctx)
	}()
	code := tech.next(t, "code")["code"].(string)
	agentCtx, interrupt := context.WithCancel(ctx)
	agentDone := make(chan error, 1)
	go func() {
		agentDone <- RunAgent(agentCtx, AgentConfig{Common: s.common(agent, false), Code: code})
	}()
	agent.next(t, "connected")
	interrupt() // the customer's Ctrl-C
	if err := <-agentDone; err != nil {
		t.Fatalf("agent: %v", err)
	}
	if err := <-techDone; err != nil {
		t.Fatalf("technician: %v", err)
	}
	if e := tech.next(t, "ended"); e["reason"] != session.ReasonInterrupted {
		t.Fatalf("technician learned %v, want interrupted", e["reason"])
	}
}

func TestJoinErrors(t *testing.T) {
	leakcheck.Check(t)
	s := newStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run := func(server string, roots *x509.CertPool, code string) error {
		return RunAgent(ctx, AgentConfig{Common: session.Common{Server: server, RootCAs: roots, Report: session.NewReporter(newEvents(), true)}, Code: code})
	}
	if err := run(s.url, s.roots, "123456789"); !errors.Is(err, proto.ErrInvalidCode) {
		t.Errorf("wrong code: %v", err)
	}
	if err := run(s.url, s.roots, "12ab"); err == nil || !strings.Contains(err.Error(), "not a session code") {
		t.Errorf("malformed code: %v", err)
	}
	if err := run(s.url, x509.NewCertPool(), "123456789"); !errors.Is(err, sigclient.ErrUntrusted) || !strings.Contains(err.Error(), "-ca") {
		t.Errorf("untrusted certificate: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "https://" + ln.Addr().String()
	ln.Close()
	if err := run(dead, s.roots, "123456789"); !errors.Is(err, sigclient.ErrUnreachable) {
		t.Errorf("unreachable server: %v", err)
	}
	common := session.Common{Server: s.url, RootCAs: s.roots, Report: session.NewReporter(newEvents(), true)}
	if err := techsession.New(techsession.TechnicianConfig{Common: common, Token: s.token + "x"}).Run(ctx); !errors.Is(err, proto.ErrUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
	if err := techsession.New(techsession.TechnicianConfig{Common: common}).Run(ctx); err == nil || !strings.Contains(err.Error(), "-user") {
		t.Errorf("no token: %v, want an error saying to log in with -user", err)
	}
}
