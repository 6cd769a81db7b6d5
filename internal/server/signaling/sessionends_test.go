package signaling

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/relay"
	"github.com/tandem-remote/tandem/internal/server/sessionfeed"
	"github.com/tandem-remote/tandem/internal/server/turncred"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestSessionEndRevokesCredential: once a session ends, its TURN
// credential gets no new allocation and no Refresh, and its allocation
// stops relaying — at once on the embedded relay, at the next poll of the
// session feed on a standalone one — while a live session's credential
// and allocation go on.
func TestSessionEndRevokesCredential(t *testing.T) {
	for _, mode := range []string{"embedded", "standalone"} {
		t.Run(mode, func(t *testing.T) {
			r := testRelay(t)
			var poll func()
			f := newFixture(t, func(c *Config) {
				c.Now = time.Now // the relay checks credentials by the real clock
				c.TURNURLs = []string{"turn:" + r.Addrs().UDP.String() + "?transport=udp"}
				c.SessionEnds = sessionfeed.NewMemory(nil, nil)
				if mode == "embedded" {
					c.SessionEnds = relayEnds{Book: c.SessionEnds, relay: r}
				}
			})
			poll = func() {}
			if mode == "standalone" {
				feed, err := sessionfeed.New(sessionfeed.Config{URL: f.url, Secret: testSecret, Client: f.http.Client(),
					End: func(e sessionfeed.End) { r.EndSession(e.Session, e.Until) }})
				if err != nil {
					t.Fatal(err)
				}
				poll = func() {
					if err := feed.Refresh(ctxT(t)); err != nil {
						t.Fatal(err)
					}
				}
			}
			ctx := ctxT(t)
			echo := echoPeer(t, r)
			ending, endingAgent := openJoined(t, f)
			live, _ := openJoined(t, f)
			poll()
			endingAlloc := allocateWith(t, r, ending)
			liveAlloc := allocateWith(t, r, live)
			for _, a := range []*allocation{endingAlloc, liveAlloc} {
				if !a.relays(echo) {
					t.Fatal("no relaying while the sessions live")
				}
			}

			if err := endingAgent.Send(ctx, proto.TypeBye, proto.Bye{Reason: "stopped"}); err != nil {
				t.Fatal(err)
			}
			waitSessions(t, f.srv, 1)
			poll()

			if endingAlloc.relays(echo) {
				t.Error("the ended session's allocation still relays")
			}
			if code := endingAlloc.refresh(t); code != stun.CodeUnauthorized {
				t.Errorf("Refresh with the ended session's credential: error %d, want 401", code)
			}
			if _, err := newTURNClient(t, r, ending).Allocate(); err == nil {
				t.Error("the ended session's credential allocated")
			}
			if !liveAlloc.relays(echo) {
				t.Error("the live session's allocation stopped relaying")
			}
			if code := liveAlloc.refresh(t); code != 0 {
				t.Errorf("Refresh of the live session: error %d", code)
			}
		})
	}
}

// TestUnjoinedSessionRevokedJoinedKept: a session whose technician left
// before anyone joined ends its credential; one whose two sides both
// lost the server after joining does not, as its peers may carry on
// through a relay.
func TestUnjoinedSessionRevokedJoinedKept(t *testing.T) {
	book := sessionfeed.NewMemory(nil, nil)
	f := newFixture(t, func(c *Config) { c.Now, c.SessionEnds = time.Now, book })
	ctx := ctxT(t)
	tech := f.dial(t)
	unjoined, err := tech.Open(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	joinedTech, joinedAgent := f.dial(t), f.dial(t)
	opened, err := joinedTech.Open(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := joinedAgent.Join(ctx, opened.Code); err != nil {
		t.Fatal(err)
	}
	for _, c := range []interface{ Close() error }{tech, joinedTech, joinedAgent} {
		c.Close()
	}
	waitSessions(t, f.srv, 0)
	l, err := book.Since(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Ended) != 1 || l.Ended[0].Session != unjoined.Session {
		t.Fatalf("ended for the relays: %+v, want only the unjoined session %s", l.Ended, unjoined.Session)
	}
}

// testRelay is a standalone relay on loopback that may relay to
// loopback peers (on its own host: so to its own allocations only).
func testRelay(t *testing.T) *relay.Relay {
	t.Helper()
	r, err := relay.New(relay.Config{UDPAddr: "127.0.0.1:0", Secret: testSecret, RelayPortMin: 1024, RelayPortMax: 65535,
		AllowPeers: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// openJoined opens a session and joins it; it returns the technician's
// TURN credential and the agent's connection.
func openJoined(t *testing.T, f *fixture) (proto.ICEServer, interface {
	Send(context.Context, proto.Type, any) error
}) {
	t.Helper()
	ctx := ctxT(t)
	opened, err := f.dial(t).Open(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	agent := f.dial(t)
	if _, err := agent.Join(ctx, opened.Code); err != nil {
		t.Fatal(err)
	}
	return opened.ICEServers[len(opened.ICEServers)-1], agent
}

type allocation struct {
	client     *turn.Client
	conn       net.PacketConn
	server     net.Addr
	user, pass string
}

func newTURNClient(t *testing.T, r *relay.Relay, cred proto.ICEServer) *turn.Client {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := r.Addrs().UDP.String()
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: server, TURNServerAddr: server, Conn: pc,
		Username: cred.Username, Password: cred.Credential, Realm: relay.DefaultRealm, RTO: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); pc.Close() })
	return c
}

func allocateWith(t *testing.T, r *relay.Relay, cred proto.ICEServer) *allocation {
	t.Helper()
	c := newTURNClient(t, r, cred)
	conn, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	return &allocation{client: c, conn: conn, server: r.Addrs().UDP, user: cred.Username, pass: cred.Credential}
}

// relays reports whether a datagram goes to echo and back through a.
func (a *allocation) relays(echo net.Addr) bool {
	want := []byte("through the relay")
	buf := make([]byte, 1500)
	for range 5 { // the first may race the permission
		if _, err := a.conn.WriteTo(want, echo); err != nil {
			return false
		}
		a.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, _, err := a.conn.ReadFrom(buf); err == nil && bytes.Equal(buf[:n], want) {
			return true
		}
	}
	return false
}

// refresh sends a Refresh for a's allocation with its credential and
// returns the final error code (0: refreshed).
func (a *allocation) refresh(t *testing.T) stun.ErrorCode {
	t.Helper()
	var nonce stun.Nonce
	for range 2 {
		s := []stun.Setter{stun.TransactionID, stun.NewType(stun.MethodRefresh, stun.ClassRequest),
			stun.RawAttribute{Type: stun.AttrLifetime, Value: []byte{0, 0, 2, 88}}}
		if nonce != nil {
			s = append(s, stun.NewUsername(a.user), stun.NewRealm(relay.DefaultRealm), nonce,
				stun.NewLongTermIntegrity(a.user, relay.DefaultRealm, a.pass))
		}
		res, err := a.client.PerformTransaction(stun.MustBuild(s...), a.server, false)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if res.Msg.Type.Class == stun.ClassSuccessResponse {
			return 0
		}
		var ec stun.ErrorCodeAttribute
		if err := ec.GetFrom(res.Msg); err != nil {
			t.Fatalf("refresh: %v without an error code", res.Msg)
		}
		if ec.Code != stun.CodeUnauthorized && ec.Code != stun.CodeStaleNonce {
			return ec.Code
		}
		if err := nonce.GetFrom(res.Msg); err != nil {
			t.Fatalf("refresh: %d without a nonce", ec.Code)
		}
	}
	return stun.CodeUnauthorized
}

// echoPeer is a UDP echo on loopback, the relay's own host, where the
// relay reaches only its live relayed sockets: so the echo is an
// allocation on r, of a session of its own that stays live.
func echoPeer(t *testing.T, r *relay.Relay) net.Addr {
	t.Helper()
	cred, err := turncred.Issue(testSecret, "echo", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a := allocateWith(t, r, proto.ICEServer{Username: cred.Username, Credential: cred.Password})
	// A permission for loopback lets the other allocations' datagrams in.
	if err := a.client.CreatePermission(a.conn.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := a.conn.ReadFrom(buf)
			if err != nil {
				return
			}
			a.conn.WriteTo(buf[:n], from)
		}
	}()
	t.Cleanup(func() { a.conn.Close(); <-done })
	return a.conn.LocalAddr()
}

// TestEmbeddedRelayAfterRestart: the embedded relay, which restarts with
// the server, refuses the credentials of sessions from before the start
// (the server forgot them, so their ends were never recorded), and takes
// those of sessions the server opens now.
func TestEmbeddedRelayAfterRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	svc := prepare(t, dir, io.Discard)
	t.Cleanup(func() { svc.ln.Close(); svc.Close() })
	secret, err := ReadSecretFile(filepath.Join(dir, "turn-secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		expires time.Time
		ok      bool
	}{
		{"opened an hour before the start", time.Now().Add(DefaultSessionMax - time.Hour), false},
		{"opened now", time.Now().Add(DefaultSessionMax + time.Second), true},
	} {
		cred, err := turncred.Issue(secret, "s"+strconv.FormatBool(c.ok), c.expires)
		if err != nil {
			t.Fatal(err)
		}
		_, err = newTURNClient(t, svc.relay, proto.ICEServer{Username: cred.Username, Credential: cred.Password}).Allocate()
		if (err == nil) != c.ok {
			t.Errorf("%s: allocate: %v, want ok %v", c.name, err, c.ok)
		}
	}
}

// TestEndGrace: a session's end reaches the relays only after
// Config.EndGrace, so that the peers' last messages still cross a relay
// (the customer's refusal was lost when the allocations closed at the
// agent's goodbye), and then it does.
func TestEndGrace(t *testing.T) {
	book := sessionfeed.NewMemory(nil, nil)
	f := newFixture(t, func(c *Config) { c.Now, c.SessionEnds, c.EndGrace = time.Now, book, 500*time.Millisecond })
	ctx := ctxT(t)
	tech := f.dial(t)
	opened, err := tech.Open(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	tech.Close()
	waitSessions(t, f.srv, 0)
	ended := func() []sessionfeed.End {
		l, err := book.Since(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return l.Ended
	}
	if e := ended(); len(e) != 0 {
		t.Fatalf("ended for the relays as the session ended: %+v, want nothing before the grace", e)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if e := ended(); len(e) == 1 && e[0].Session == opened.Session {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the end never reached the relays: %+v", ended())
		}
	}
}
