package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestRelayRefusesEndedSession: the real signaling server hands a
// session's TURN credential for a standalone turnrelay started with
// -block-feed; the credential allocates and relays while the session
// lives. Once the customer ends the session, the relay hears of it from
// the server's session feed: the allocation stops relaying and the
// credential allocates no more, while another session's credential
// keeps relaying.
func TestRelayRefusesEndedSession(t *testing.T) {
	b := binaries(t)
	data := t.TempDir()
	addr := "127.0.0.1:" + freePort(t)
	relayUDP := "127.0.0.1:" + freeUDPPort(t)
	_, summary := serveOn(t, b, addr, data, "-turn-url", "turn:"+relayUDP+"?transport=udp")
	url, ca := "https://"+addr, filepath.Join(data, "cert.pem")
	// The echo peer is on loopback, the relay's own host, where the relay
	// reaches only its own allocations: the echo is one, of a third
	// session. The relay ports leave out the listener's, which the
	// kernel took from its ephemeral range (32768 and up).
	relay := start(t, b["turnrelay"], nil, "-udp", relayUDP, "-tcp", "", "-tls", "", "-metrics", "",
		"-secret-file", filepath.Join(data, "turn-secret"), "-relay-ports", "20000-29999", "-allow-peers", "127.0.0.1/32",
		"-block-feed", url, "-block-feed-ca", ca, "-block-feed-every", "200ms")
	waitOutput(t, relay, "session feed in force")

	roots, err := certs.Pool(ca)
	if err != nil {
		t.Fatal(err)
	}
	setupToken, _ := signalingtest.SetupToken(summary)
	op := signalingtest.Setup(t, url, roots, setupToken).AddOperator("tech")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	session := func() (proto.ICEServer, *sigclient.Conn) {
		t.Helper()
		tech, agent := dialSignaling(t, url, roots), dialSignaling(t, url, roots)
		opened, err := tech.Open(ctx, op.Token)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Join(ctx, opened.Code); err != nil {
			t.Fatal(err)
		}
		return opened.ICEServers[len(opened.ICEServers)-1], agent
	}
	endingCred, endingAgent := session()
	liveCred, _ := session()
	echoCred, _ := session()
	echo := turnEcho(t, relayUDP, echoCred)
	ending, err := turnAllocate(t, relayUDP, endingCred)
	if err != nil {
		t.Fatalf("allocate with a live session's credential: %v", err)
	}
	live, err := turnAllocate(t, relayUDP, liveCred)
	if err != nil {
		t.Fatal(err)
	}
	if !relaysTo(ending, echo) || !relaysTo(live, echo) {
		t.Fatalf("no relaying while the sessions live\n%s", relay.stderr.String())
	}

	if err := endingAgent.Send(ctx, proto.TypeBye, proto.Bye{Reason: "stopped"}); err != nil {
		t.Fatal(err)
	}
	// The relay polls every 200 ms; the deadline only bounds a failure.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := turnAllocate(t, relayUDP, endingCred)
		if err != nil && strings.Contains(err.Error(), "401") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ended session's credential still allocates (%v)\n%s", err, relay.stderr.String())
		}
	}
	if relaysTo(ending, echo) {
		t.Error("the ended session's allocation still relays")
	}
	if !strings.Contains(relay.stderr.String(), "session ended: its credential is refused") {
		t.Errorf("the relay's log does not say why:\n%s", relay.stderr.String())
	}
	if !relaysTo(live, echo) {
		t.Error("the live session's allocation stopped relaying")
	}
}

func freeUDPPort(t *testing.T) string { return freePort(t) }

// waitOutput waits for p's stderr to say what.
func waitOutput(t *testing.T, p *proc, what string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(p.stderr.String(), what); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not say %q:\n%s", p.name, what, p.stderr.String())
		}
	}
}

func dialSignaling(t *testing.T, url string, roots *x509.CertPool) *sigclient.Conn {
	t.Helper()
	c, err := sigclient.Dial(context.Background(), url, roots)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// turnAllocate allocates on the relay at server with cred; the
// allocation lasts until the test ends.
func turnAllocate(t *testing.T, server string, cred proto.ICEServer) (net.PacketConn, error) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: server, TURNServerAddr: server, Conn: pc,
		Username: cred.Username, Password: cred.Credential, Realm: "tandem", RTO: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); pc.Close() })
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	return c.Allocate()
}

// relaysTo reports whether a datagram goes to echo and back through the
// relayed conn.
func relaysTo(relayed net.PacketConn, echo net.Addr) bool {
	want := []byte("through the relay")
	buf := make([]byte, 1500)
	for range 5 { // the first may race the permission
		if _, err := relayed.WriteTo(want, echo); err != nil {
			return false
		}
		relayed.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if n, _, err := relayed.ReadFrom(buf); err == nil && bytes.Equal(buf[:n], want) {
			return true
		}
	}
	return false
}

// turnEcho is a UDP echo on an allocation on the relay at server,
// made with cred: on loopback, the relay's own host, the relay reaches
// its own allocations only.
func turnEcho(t *testing.T, server string, cred proto.ICEServer) net.Addr {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: server, TURNServerAddr: server, Conn: pc,
		Username: cred.Username, Password: cred.Credential, Realm: "tandem", RTO: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); pc.Close() })
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relayed, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	// A permission for loopback lets the other allocations' datagrams in.
	if err := c.CreatePermission(relayed.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := relayed.ReadFrom(buf)
			if err != nil {
				return
			}
			relayed.WriteTo(buf[:n], from)
		}
	}()
	t.Cleanup(func() { relayed.Close(); <-done })
	return relayed.LocalAddr()
}
