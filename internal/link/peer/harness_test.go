package peer

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v5/vnet"
	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"

	"github.com/tandem-remote/tandem/internal/server/turncred"

	"github.com/tandem-remote/tandem/internal/link/pionlog"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// Addresses of the virtual networks (documentation ranges on the WAN).
const (
	relayIP   = "203.0.113.10"
	relayPort = 3478
	realm     = "tandem.test"
)

var turnSecret = bytes.Repeat([]byte("k"), turncred.MinSecretLen)

// testLogger logs to stderr with -v and PEER_DEBUG=1, else discards.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("PEER_DEBUG") == "" || !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
}

// checkLeaks fails the test if goroutines started during it outlive it
// (see package leakcheck). Call it first so that its cleanup runs last.
func checkLeaks(t *testing.T) { leakcheck.Check(t) }

// world is a virtual internet: a WAN with the relay on it and two LANs, each
// behind its own NAT, holding one peer each (or both peers on LAN 0).
type world struct {
	wan, lan0, lan1 *vnet.Router
	net0, net1      *vnet.Net
	relay           *turn.Server
	cut             atomic.Bool                           // drop every packet on the LANs while set
	drop            atomic.Pointer[func(vnet.Chunk) bool] // drop the packets it picks
	allocs          atomic.Int64
}

type worldSpec struct {
	nat0, nat1 *vnet.NATType
	sameLAN    bool // both peers on LAN 0
}

var (
	fullCone     = &vnet.NATType{MappingBehavior: vnet.EndpointIndependent, FilteringBehavior: vnet.EndpointIndependent}
	portRestrict = &vnet.NATType{MappingBehavior: vnet.EndpointIndependent, FilteringBehavior: vnet.EndpointAddrPortDependent}
	symmetric    = &vnet.NATType{MappingBehavior: vnet.EndpointAddrPortDependent, FilteringBehavior: vnet.EndpointAddrPortDependent}
	vnetLogs     = pionlog.Factory{Log: slog.New(slog.DiscardHandler)}
)

func newWorld(t *testing.T, spec worldSpec) *world {
	t.Helper()
	w := &world{}
	w.wan = must(vnet.NewRouter(&vnet.RouterConfig{CIDR: "0.0.0.0/0", LoggerFactory: vnetLogs}))(t)
	wanNet := must(vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{relayIP}}))(t)
	check(t, w.wan.AddNet(wanNet))
	w.lan0 = w.addLAN(t, "198.51.100.1", "192.168.0.0/24", spec.nat0)
	w.net0 = w.addHost(t, w.lan0, "192.168.0.2")
	if spec.sameLAN {
		w.net1 = w.addHost(t, w.lan0, "192.168.0.3")
	} else {
		w.lan1 = w.addLAN(t, "198.51.100.2", "10.0.0.0/24", spec.nat1)
		w.net1 = w.addHost(t, w.lan1, "10.0.0.2")
	}
	w.relay = w.startRelay(t, wanNet)
	check(t, w.wan.Start())
	t.Cleanup(func() { _ = w.wan.Stop() })
	return w
}

func (w *world) addLAN(t *testing.T, publicIP, cidr string, nat *vnet.NATType) *vnet.Router {
	t.Helper()
	lan := must(vnet.NewRouter(&vnet.RouterConfig{
		StaticIPs: []string{publicIP}, CIDR: cidr, NATType: nat, LoggerFactory: vnetLogs,
	}))(t)
	lan.AddChunkFilter(func(c vnet.Chunk) bool {
		if f := w.drop.Load(); f != nil && (*f)(c) {
			return false
		}
		return !w.cut.Load()
	})
	check(t, w.wan.AddRouter(lan))
	return lan
}

func (w *world) addHost(t *testing.T, lan *vnet.Router, ip string) *vnet.Net {
	t.Helper()
	n := must(vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}}))(t)
	check(t, lan.AddNet(n))
	return n
}

// startRelay runs a pion/turn server on the WAN that takes TURN REST
// credentials, as Tandem's relay does.
func (w *world) startRelay(t *testing.T, wanNet *vnet.Net) *turn.Server {
	t.Helper()
	pc := must(wanNet.ListenPacket("udp4", net.JoinHostPort(relayIP, "3478")))(t)
	srv := must(turn.NewServer(turn.ServerConfig{
		Realm:         realm,
		LoggerFactory: vnetLogs,
		AuthHandler:   restAuth,
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            pc,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP(relayIP), Address: "0.0.0.0", Net: wanNet},
			PermissionHandler:     func(net.Addr, net.IP) bool { return true }, // test relay: peers are on the vnet WAN
		}},
	}))(t)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func restAuth(ra *turn.RequestAttributes) (string, []byte, bool) {
	pw, _, err := turncred.Check(turnSecret, ra.Username, time.Now())
	if err != nil {
		return "", nil, false
	}
	return ra.Username, turn.GenerateAuthKey(ra.Username, ra.Realm, pw), true
}

// iceServers returns STUN and TURN (with a fresh REST credential) on the
// relay.
func iceServers(t *testing.T) []webrtc.ICEServer {
	t.Helper()
	cred := must(issueCred())(t)
	return []webrtc.ICEServer{
		{URLs: []string{"stun:" + relayIP + ":3478"}},
		{URLs: []string{"turn:" + relayIP + ":3478?transport=udp"}, Username: cred.Username, Credential: cred.Password},
	}
}

func issueCred() (turncred.Credential, error) {
	return turncred.Issue(turnSecret, "session1", time.Now().Add(time.Hour))
}

// pair is two links wired to each other through in-memory signaling.
type pair struct {
	off, ans *Link
}

// signalHook may rewrite or drop (ok=false) a signal in transit.
type signalHook func(from Role, s Signal) (Signal, bool)

// newPair builds an Offerer from a and an Answerer from b whose Send
// functions deliver to each other, and closes both at cleanup.
func newPair(t testing.TB, a, b Config, hook signalHook) *pair {
	t.Helper()
	return newPairTweaked(t, a, b, hook, nil, nil)
}

func newPairTweaked(t testing.TB, a, b Config, hook signalHook, ta, tb func(*webrtc.SettingEngine)) *pair {
	t.Helper()
	p := &pair{}
	a.Role, b.Role = Offerer, Answerer
	a.Send = p.deliver(t, Offerer, hook, func() *Link { return p.ans })
	b.Send = p.deliver(t, Answerer, hook, func() *Link { return p.off })
	if a.Logger == nil {
		a.Logger = testLogger(t).With("side", "a")
	}
	if b.Logger == nil {
		b.Logger = testLogger(t).With("side", "b")
	}
	var err error
	p.ans = must(newLink(b, tb))(t)
	t.Cleanup(func() { _ = p.ans.Close() })
	p.off, err = newLink(a, ta)
	check(t, err)
	t.Cleanup(func() { _ = p.off.Close() })
	return p
}

func (p *pair) deliver(t testing.TB, from Role, hook signalHook, to func() *Link) func(Signal) error {
	return func(s Signal) error {
		if hook != nil {
			var ok bool
			if s, ok = hook(from, s); !ok {
				return nil
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return to().HandleSignal(ctx, s)
	}
}

// connect starts the offerer and waits until both sides are connected.
func (p *pair) connect(ctx context.Context, t testing.TB) (Path, Path) {
	t.Helper()
	check(t, p.ans.Start(ctx))
	check(t, p.off.Start(ctx))
	po, err := p.off.WaitConnected(ctx)
	check(t, err)
	pa, err := p.ans.WaitConnected(ctx)
	check(t, err)
	return po, pa
}

// roundTrip sends a ping one way on "control" and a pong back.
func roundTrip(ctx context.Context, t testing.TB, from, to *Link) {
	t.Helper()
	ping, pong := []byte("ping"), []byte("pong")
	check(t, from.Channel(ChannelControl).Send(ctx, ping))
	got, err := to.Channel(ChannelControl).Recv(ctx)
	check(t, err)
	if !bytes.Equal(got, ping) {
		t.Fatalf("received %q, want %q", got, ping)
	}
	check(t, to.Channel(ChannelControl).Send(ctx, pong))
	got, err = from.Channel(ChannelControl).Recv(ctx)
	check(t, err)
	if !bytes.Equal(got, pong) {
		t.Fatalf("received %q, want %q", got, pong)
	}
}

func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// must returns a function that fails t on error and returns v:
// must(f())(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
