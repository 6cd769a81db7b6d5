package agentsession

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// TestStampedAgent: an agent configured as a stamped download joins by its
// ticket, trusting the server by the pinned key with no CA; a wrong pin is
// refused before the ticket is spent, a grant signed by another key is
// refused, and a spent ticket is refused in words the customer can act on.
func TestStampedAgent(t *testing.T) {
	leakcheck.Check(t)
	srv := signalingtest.Start(t, signaling.Config{}, nil)
	pin := serverPin(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tech := newEvents()
	techDone := make(chan error, 1)
	go func() {
		common := session.Common{Server: srv.URL, RootCAs: srv.Roots, Report: session.NewReporter(tech, true)}
		techDone <- techsession.New(techsession.TechnicianConfig{Common: common, Token: srv.Operator.Token, EndAfter: 300 * time.Millisecond}).Run(ctx)
	}()
	code := tech.next(t, "code")["code"].(string)
	ticket := func() string {
		info, err := srv.Signal.LookupCode(code, netip.MustParseAddr("198.51.100.7"))
		if err != nil {
			t.Fatal(err)
		}
		tk, _, err := srv.Signal.MintTicket(info.Session)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	agent := func(tk string, pin []byte, key ed25519.PublicKey) error {
		// No RootCAs: the pin alone must be enough.
		return RunAgent(ctx, AgentConfig{Common: session.Common{Server: srv.URL, Report: session.NewReporter(newEvents(), true)},
			Stamp: &stamp.Payload{Ticket: tk, Pin: pin, Key: grant.Key(key)}})
	}
	tk := ticket()
	if err := agent(tk, make([]byte, 32), srv.GrantKey); !errors.Is(err, sigclient.ErrPinMismatch) {
		t.Errorf("wrong pin: %v, want ErrPinMismatch", err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	// The same ticket: the wrong pin did not spend it.
	if err := agent(tk, pin, other); !errors.Is(err, errStampedKey) {
		t.Errorf("grant signed by another key: %v, want errStampedKey", err)
	}
	// That join used the session; a fresh session for the real run.
	if err := <-techDone; err != nil {
		t.Logf("first technician: %v", err)
	}
	go func() {
		common := session.Common{Server: srv.URL, RootCAs: srv.Roots, Report: session.NewReporter(tech, true)}
		techDone <- techsession.New(techsession.TechnicianConfig{Common: common, Token: srv.Operator.Token, EndAfter: 300 * time.Millisecond}).Run(ctx)
	}()
	code = tech.next(t, "code")["code"].(string)
	tk = ticket()
	if err := agent(tk, pin, srv.GrantKey); err != nil {
		t.Fatalf("stamped agent: %v", err)
	}
	if err := <-techDone; err != nil {
		t.Fatalf("technician: %v", err)
	}
	if err := agent(tk, pin, srv.GrantKey); !errors.Is(err, sigclient.ErrTicketRefused) {
		t.Errorf("spent ticket: %v, want ErrTicketRefused", err)
	}
}

// serverPin is the pin of the certificate the server at u presents.
func serverPin(t *testing.T, u string) []byte {
	t.Helper()
	pu, _ := url.Parse(u)
	c, err := tls.Dial("tcp", pu.Host, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return stamp.PinOf(c.ConnectionState().PeerCertificates[0])
}

// TestPinnedTrustedForRelays: after a pinned dial the server's own
// certificate verifies for its name through the pool handed to the
// relays, and the pool the caller gave is left as it was.
func TestPinnedTrustedForRelays(t *testing.T) {
	srv := signalingtest.Start(t, signaling.Config{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	given := x509.NewCertPool()
	cfg := AgentConfig{Common: session.Common{Server: srv.URL, RootCAs: given}, Stamp: &stamp.Payload{Ticket: "t", Pin: serverPin(t, srv.URL)}}
	sc, err := dialSignaling(ctx, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	host, _, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "https://"))
	if _, err := sc.Pinned().Verify(x509.VerifyOptions{Roots: cfg.RootCAs, DNSName: host}); err != nil {
		t.Errorf("the pinned certificate through the relays' pool: %v", err)
	}
	if _, err := sc.Pinned().Verify(x509.VerifyOptions{Roots: given, DNSName: host}); err == nil {
		t.Error("the caller's pool was changed")
	}
}
