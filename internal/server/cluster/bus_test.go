package cluster

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tandem-remote/tandem/internal/link/tlspolicy"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

var testSecret = []byte(strings.Repeat("s", MinSecretLen))

// startPair starts two embedded nodes routed to each other on loopback
// and waits until each sees the other's route.
func startPair(t *testing.T) (a, b *Bus) {
	t.Helper()
	a = startNode(t, Config{Listen: "127.0.0.1:0", Secret: testSecret, Name: "a"})
	b = startNode(t, Config{Listen: "127.0.0.1:0", Secret: testSecret, Name: "b", Routes: []string{a.ClusterAddr().String()}})
	for deadline := time.Now().Add(20 * time.Second); a.RoutesUp() == 0 || b.RoutesUp() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the two nodes never routed to each other")
		}
	}
	return a, b
}

func startNode(t *testing.T, cfg Config) *Bus {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	bus, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close() })
	return bus
}

// TestBusCrossesNodes: what node b publishes to a session's subject
// reaches node a's subscriber, every message, in order, with its kind.
func TestBusCrossesNodes(t *testing.T) {
	a, b := startPair(t)
	subj := Subject("0123abcd", proto.RoleTechnician)
	got := make(chan string, 100)
	unsub, err := a.Subscribe(subj, func(k Kind, data []byte) { got <- string(k) + ":" + string(data) })
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	// Interest crosses the route asynchronously: publish a probe until
	// one arrives, then the numbered messages.
	waitDelivered(t, b, subj, got)
	for i := range 50 {
		if err := b.Publish(subj, KindFrame, fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		select {
		case m := <-got:
			if want := fmt.Sprintf("frame:%d", i); m != want {
				t.Fatalf("message %d: %q, want %q (order kept per publisher)", i, m, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("message %d never arrived", i)
		}
	}
}

func waitDelivered(t *testing.T, from *Bus, subj string, got chan string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if err := from.Publish(subj, KindJoined, []byte("probe")); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			for len(got) > 0 {
				<-got
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("nothing crossed the route")
}

// TestRoutesRefuseOtherSecret: a route listener accepts only a peer
// presenting the cluster secret's certificate, over TLS 1.3 with
// AES-256-GCM; another secret's certificate, or none, is refused.
func TestRoutesRefuseOtherSecret(t *testing.T) {
	a := startNode(t, Config{Listen: "127.0.0.1:0", Secret: testSecret, Name: "a"})
	addr := a.ClusterAddr().String()
	good, err := routeTLS(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if cs, err := handshake(addr, good); err != nil {
		t.Fatalf("the cluster's own certificate was refused: %v", err)
	} else if cs.Version != tls.VersionTLS13 || !tlspolicy.Allowed(cs.CipherSuite) {
		t.Errorf("route TLS %x with %s, want TLS 1.3 with AES-256-GCM", cs.Version, tls.CipherSuiteName(cs.CipherSuite))
	}
	other, err := routeTLS([]byte(strings.Repeat("o", MinSecretLen)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(addr, other); err == nil {
		t.Error("a node with another secret completed the handshake")
	}
	noCert := good.Clone()
	noCert.Certificates = nil
	if _, err := handshake(addr, noCert); err == nil {
		t.Error("a client without a certificate completed the handshake")
	}
}

// handshake dials a route listener as a node would (NATS sends its INFO
// in clear first, then both sides start TLS) and returns the TLS state
// once the server has accepted or refused the client's certificate.
func handshake(addr string, tc *tls.Config) (tls.ConnectionState, error) {
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(5 * time.Second))
	c := tls.Client(raw, tc)
	if err := c.Handshake(); err != nil {
		return tls.ConnectionState{}, err
	}
	// TLS 1.3: the server's verdict on our certificate comes after the
	// handshake; reading brings its alert or its INFO.
	buf := make([]byte, 1)
	if _, err := c.Read(buf); err != nil && !errors.Is(err, net.ErrClosed) {
		return tls.ConnectionState{}, err
	}
	return c.ConnectionState(), nil
}

// TestExternalNATS: two nodes on one external NATS server (-nats) reach
// each other the same way, and a node never hears itself.
func TestExternalNATS(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	url := ns.ClientURL()
	a := startNode(t, Config{URL: url, Name: "a"})
	b := startNode(t, Config{URL: url, Name: "b"})
	subj := Subject("feed", proto.RoleAgent)
	got := make(chan string, 10)
	for _, n := range []*Bus{a, b} {
		unsub, err := n.Subscribe(subj, func(k Kind, data []byte) { got <- n.Name() + ":" + string(data) })
		if err != nil {
			t.Fatal(err)
		}
		defer unsub()
	}
	if err := b.Publish(subj, KindFrame, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m != "a:hello" {
		t.Fatalf("got %q, want a:hello (node b must not hear itself)", m)
	}
	if err := a.Publish(subj, KindFrame, []byte("back")); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m != "b:back" {
		t.Fatalf("got %q, want b:back", m)
	}
}
