package relay

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/stun/v4"

	"github.com/tandem-remote/tandem/internal/server/turncred"
)

// TestSessionEnded: once the relay hears that a session ended, a
// credential of that session gets nothing more — no Allocate, Refresh,
// CreatePermission or ChannelBind (401) — and its allocation stops
// relaying in both directions, while another session's allocation on the
// same relay goes on.
func TestSessionEnded(t *testing.T) {
	r := newTestRelay(t, allowLoopback)
	peer := ownPeerSock(t, r, "127.0.0.1")
	ended := rawClientWith(t, r, credFor(t, "ended-session", time.Hour))
	live := rawClientWith(t, r, credFor(t, "live-session", time.Hour))
	for _, c := range []*rawClient{ended, live} {
		if code := c.bind(0x4001, addrOf(peer)); code != 0 {
			t.Fatalf("ChannelBind: error %d", code)
		}
		if !relaysBothWays(c, peer, 0x4001) {
			t.Fatal("no relaying before the session ended")
		}
	}

	r.EndSession("ended-session", time.Now().Add(time.Hour))

	waitUntil(t, "the ended session's allocation to stop relaying", func() bool { return !relaysEitherWay(ended, peer, 0x4001) })
	waitUntil(t, "pion to delete the allocation", func() bool { return metricSum(t, r, "tandem_turn_allocations_active") == 1 })
	for name, code := range map[string]stun.ErrorCode{
		"Refresh":          ended.attempt(stun.MethodRefresh, lifetime(10*time.Minute)),
		"CreatePermission": ended.attempt(stun.MethodCreatePermission, peerAttr(xorAddr(addrOf(peer)))),
		"ChannelBind":      ended.attempt(stun.MethodChannelBind, channelAttr(0x4002), peerAttr(xorAddr(addrOf(peer)))),
		"Allocate":         unallocated(t, r, ended.user, ended.pass).attempt(stun.MethodAllocate, udpTransport),
	} {
		if code != stun.CodeUnauthorized {
			t.Errorf("%s with the ended session's credential: error %d, want 401", name, code)
		}
	}

	if code := live.attempt(stun.MethodRefresh, lifetime(10*time.Minute)); code != 0 {
		t.Errorf("Refresh of the live session: error %d", code)
	}
	if !relaysBothWays(live, peer, 0x4001) {
		t.Error("the live session's allocation stopped relaying")
	}
}

// TestSessionEndedBeforeAllocate: a session the relay heard had ended
// cannot allocate, and ending it again or after its credential expired
// changes nothing.
func TestSessionEndedBeforeAllocate(t *testing.T) {
	r := newTestRelay(t, nil)
	cred := credFor(t, "gone", time.Hour)
	r.EndSession("gone", cred.Expires)
	r.EndSession("gone", cred.Expires.Add(-time.Minute))
	r.EndSession("expired-long-ago", time.Now().Add(-time.Hour))
	if code := unallocated(t, r, cred.Username, cred.Password).attempt(stun.MethodAllocate, udpTransport); code != stun.CodeUnauthorized {
		t.Fatalf("Allocate: error %d, want 401", code)
	}
	if r.sessions.isEnded("expired-long-ago") {
		t.Error("an end whose credential had expired is kept")
	}
}

// TestExpiredCredentialSwept: the sweep closes the allocations of a
// credential that has expired, and only those: a session four hours in,
// whose credential lives to the session's eight-hour bound, keeps
// relaying.
func TestExpiredCredentialSwept(t *testing.T) {
	r := newTestRelay(t, allowLoopback)
	peer := ownPeerSock(t, r, "127.0.0.1")
	long := rawClientWith(t, r, credFor(t, "long-session", 8*time.Hour))
	short := rawClientWith(t, r, credFor(t, "short-session", time.Hour))
	for _, c := range []*rawClient{long, short} {
		if code := c.bind(0x4001, addrOf(peer)); code != 0 {
			t.Fatalf("ChannelBind: error %d", code)
		}
	}
	r.sweepAt(time.Now().Add(4 * time.Hour))
	waitUntil(t, "the expired credential's allocation to stop relaying", func() bool { return !relaysEitherWay(short, peer, 0x4001) })
	if !relaysBothWays(long, peer, 0x4001) {
		t.Error("the four-hour session stopped relaying")
	}
	if code := long.attempt(stun.MethodRefresh, lifetime(10*time.Minute)); code != 0 {
		t.Errorf("Refresh of the four-hour session: error %d", code)
	}
}

func credFor(t *testing.T, session string, life time.Duration) turncred.Credential {
	t.Helper()
	c, err := turncred.Issue(testSecret, session, time.Now().Add(life))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var udpTransport = stun.RawAttribute{Type: stun.AttrRequestedTransport, Value: []byte{17, 0, 0, 0}}

func lifetime(d time.Duration) stun.Setter {
	s := uint32(d.Seconds())
	return stun.RawAttribute{Type: stun.AttrLifetime, Value: []byte{byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s)}}
}

func channelAttr(num uint16) stun.Setter {
	return stun.RawAttribute{Type: stun.AttrChannelNumber, Value: []byte{byte(num >> 8), byte(num), 0, 0}}
}

// unallocated is a raw client with cred that has not allocated.
func unallocated(t *testing.T, r *Relay, user, pass string) *rawClient {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn, server: r.Addrs().UDP.(*net.UDPAddr), user: user, pass: pass}
}

// rawClientWith is newRawClient with a given credential.
func rawClientWith(t *testing.T, r *Relay, cred turncred.Credential) *rawClient {
	t.Helper()
	c := unallocated(t, r, cred.Username, cred.Password)
	res := c.do(stun.MethodAllocate, udpTransport)
	var relayed stun.XORMappedAddress
	if err := relayed.GetFromAs(res, stun.AttrXORRelayedAddress); err != nil {
		t.Fatalf("allocate: %v (%v)", err, res)
	}
	ip, _ := netip.AddrFromSlice(relayed.IP)
	c.relayed = netip.AddrPortFrom(ip.Unmap(), uint16(relayed.Port))
	return c
}

// attempt is do that returns the final error code, 401 included: a
// request without integrity learns the nonce, the next one carries it.
func (c *rawClient) attempt(method stun.Method, attrs ...stun.Setter) stun.ErrorCode {
	c.t.Helper()
	var code stun.ErrorCode
	for range 2 {
		s := append([]stun.Setter{stun.TransactionID, stun.NewType(method, stun.ClassRequest)}, attrs...)
		if c.nonce != nil {
			s = append(s, stun.NewUsername(c.user), stun.NewRealm(DefaultRealm), c.nonce,
				stun.NewLongTermIntegrity(c.user, DefaultRealm, c.pass))
		}
		res := c.exchange(stun.MustBuild(s...))
		if code = errorCode(c.t, res); code != stun.CodeUnauthorized && code != stun.CodeStaleNonce {
			return code
		}
		if err := c.nonce.GetFrom(res); err != nil {
			c.t.Fatalf("%v: %d without nonce", method, code)
		}
	}
	return code
}

// relaysBothWays reports whether data goes client -> peer and peer ->
// client on channel num; relaysEitherWay whether either direction works.
func relaysBothWays(c *rawClient, peer *net.UDPConn, num uint16) bool {
	toPeer, toClient := relayed(c, peer, num)
	return toPeer && toClient
}

func relaysEitherWay(c *rawClient, peer *net.UDPConn, num uint16) bool {
	toPeer, toClient := relayed(c, peer, num)
	return toPeer || toClient
}

func relayed(c *rawClient, peer *net.UDPConn, num uint16) (toPeer, toClient bool) {
	want := []byte("session " + c.user)
	for range 3 { // the first datagrams may race a fresh binding
		c.sendChannel(num, want)
		got, _ := peerReceives(peer, 100*time.Millisecond)
		toPeer = toPeer || bytes.Equal(got, want)
		peer.WriteToUDPAddrPort(want, c.relayed)
		_, _, back, err := c.receive(100 * time.Millisecond)
		toClient = toClient || err == nil && bytes.Equal(back, want)
		if toPeer && toClient {
			return
		}
	}
	return
}

// waitUntil polls cond for a generous while: what it waits for happens
// at once or in the background, never on a timer.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
	}
}

// TestRefuseExpiringBefore: after a signaling restart the embedded relay
// refuses the credentials of sessions from before it (they expire sooner
// than any the restarted server issues) and takes the new ones.
func TestRefuseExpiringBefore(t *testing.T) {
	r := newTestRelay(t, nil)
	r.RefuseExpiringBefore(time.Now().Add(8 * time.Hour))
	old := credFor(t, "before-restart", 7*time.Hour)
	if code := unallocated(t, r, old.Username, old.Password).attempt(stun.MethodAllocate, udpTransport); code != stun.CodeUnauthorized {
		t.Errorf("Allocate with a credential from before the restart: error %d, want 401", code)
	}
	fresh := credFor(t, "after-restart", 8*time.Hour+time.Minute)
	if code := unallocated(t, r, fresh.Username, fresh.Password).attempt(stun.MethodAllocate, udpTransport); code != 0 {
		t.Errorf("Allocate with a fresh credential: error %d", code)
	}
}
