package netlab

import (
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The suites our own peers must negotiate, whatever the path.
const (
	wantDTLS = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
	wantSRTP = "SRTP_AEAD_AES_256_GCM"
)

// scenario is one row of the NAT matrix.
type scenario struct {
	name      string
	relay     RelayKind
	sameLAN   bool // both hosts on site A's LAN
	nat       NAT
	path      string   // wanted "path" of the connected event
	protocol  string   // wanted "protocol"
	types     []string // candidate types that must appear on at least one side ("" = no check)
	onlyHost  bool     // both sides must use host/host
	onlyRelay bool     // both sides must use relay/relay
	flags     []string // extra flags for both clients
	// relayTCP is the relay's one TCP port a filtered network lets out
	// (0: RelayTLSPort).
	relayTCP uint16
}

// TestNATMatrix runs a real technician and agent through each network
// shape and checks, from their -json events, that they connected the way a
// user would expect on that network: direct wherever a direct path exists,
// through the relay otherwise, always with the AES-256 suites, with a
// data-channel round trip, and a clean end on both sides.
func TestNATMatrix(t *testing.T) {
	Require(t)
	bins := tandem.get(t, "signaling", "agent", "technician")
	for _, sc := range []scenario{
		{name: "same LAN", sameLAN: true, nat: Cone, path: "direct", protocol: "udp", onlyHost: true},
		{name: "cone NATs", nat: Cone, path: "direct", protocol: "udp", types: []string{"srflx", "prflx"}},
		{name: "symmetric NATs", nat: Symmetric, path: "relayed", protocol: "udp", types: []string{"relay"}},
		{name: "UDP blocked", nat: UDPBlocked, path: "relayed", protocol: "tls", types: []string{"relay"}},
		{name: "HTTP proxy only", nat: ProxyOnly, path: "relayed", protocol: "tls", types: []string{"relay"}},
		{name: "relay only", nat: Cone, path: "relayed", protocol: "udp", onlyRelay: true, flags: []string{"-relay-only"}},
		{name: "symmetric NATs via coturn", relay: Coturn, nat: Symmetric, path: "relayed", protocol: "udp", types: []string{"relay"}},
		{name: "UDP blocked, TCP 3478 to coturn", relay: Coturn, nat: UDPBlocked, relayTCP: RelayPort, path: "relayed", protocol: "tcp", onlyRelay: true},
		{name: "only TCP 443 out, coturn over TLS", relay: Coturn, nat: UDPBlocked, path: "relayed", protocol: "tls", onlyRelay: true},
	} {
		t.Run(sc.name, func(t *testing.T) { runScenario(t, bins, sc) })
	}
}

func runScenario(t *testing.T, bins Binaries, sc scenario) {
	if sc.relay == OurRelay {
		bins.require(t, "turnrelay")
	} else if _, err := exec.LookPath("turnserver"); err != nil {
		t.Skip("netlab: coturn's turnserver not found; run scripts/install-deps.sh")
	}
	lab := New(t)
	d := Deploy(t, lab, bins, sc.relay)
	// A locked-down network lets through only the signaling server and the
	// relay's TLS port; a proxy-only one only its HTTP proxy, which the
	// hosts are configured to use.
	sigDst := netip.AddrPortFrom(SignalingAddr, SignalingPort)
	relayDst := netip.AddrPortFrom(RelayAddr, RelayTLSPort)
	if sc.relayTCP != 0 {
		relayDst = netip.AddrPortFrom(RelayAddr, sc.relayTCP)
	}
	proxyDst := netip.AddrPortFrom(ProxyAddr, ProxyPort)
	allow := []netip.AddrPort{sigDst, relayDst}
	var proxy *Proc
	if sc.nat == ProxyOnly {
		proxy = StartProxy(t, lab, proxyBin.get(t)["proxy"])
		allow = []netip.AddrPort{proxyDst}
	}
	siteA := lab.Router("ra", PublicA, LANA, sc.nat, allow...)
	techNS, _ := siteA.Host("tech")
	var agentNS *NS
	var siteB *Site
	if sc.sameLAN {
		agentNS, _ = siteA.Host("agent")
	} else {
		siteB = lab.Router("rb", PublicB, LANB, sc.nat, allow...)
		agentNS, _ = siteB.Host("agent")
	}
	if proxy != nil {
		techNS.Env, agentNS.Env = ProxyEnv(), ProxyEnv()
	}

	s := d.RunSession(t, bins, techNS, agentNS, sc.flags...)
	var types []string
	for _, p := range []*Proc{s.Tech, s.Agent} {
		c := checkSide(t, s, p, sc)
		types = append(types, c.Str("local"), c.Str("remote"))
		t.Logf("%s: path=%s local=%s remote=%s protocol=%s rtt_ms=%v",
			p.Name, c.Str("path"), c.Str("local"), c.Str("remote"), c.Str("protocol"), c["rtt_ms"])
	}
	if sc.types != nil && !slices.ContainsFunc(types, func(x string) bool { return slices.Contains(sc.types, x) }) {
		t.Errorf("candidate types %v: want one of %v on at least one side\n%s", types, sc.types, s.Dump())
	}
	if sc.nat == UDPBlocked {
		for _, site := range []*Site{siteA, siteB} {
			if n := site.AcceptedTCP(relayDst); n == 0 {
				t.Errorf("%s: no TCP connection to the relay's %s went through", site.Router.Name, relayDst)
			}
		}
	}
	if proxy != nil {
		checkProxied(t, proxy, proxyDst, []*Site{siteA, siteB}, sigDst, relayDst)
	}
	if sc.relay == Coturn && sc.protocol == "tls" {
		checkCoturnTLS(t, d.Relay)
	}
}

// checkCoturnTLS asserts, from coturn's log, that every TURN-over-TLS
// allocation ran over AES-256-GCM with an ephemeral key exchange (TLS 1.3's
// only AES-256 suite, or TLS 1.2 ECDHE), although coturn's cipher list
// prefers AES-128.
func checkCoturnTLS(t *testing.T, coturn *Proc) {
	t.Helper()
	got := coturnCiphers(coturn)
	if len(got) == 0 {
		t.Fatalf("coturn logged no allocation over TLS\n%s", coturn.Output())
	}
	for _, c := range got {
		suite, version := c[0], c[1]
		t.Logf("coturn: allocation over %s %s", version, suite)
		aes256 := suite == "TLS_AES_256_GCM_SHA384" ||
			strings.HasPrefix(suite, "ECDHE-") && strings.Contains(suite, "-AES256-GCM-")
		if !aes256 {
			t.Errorf("coturn: TURN over TLS negotiated %s %s, want AES-256-GCM", version, suite)
		}
	}
}

// checkProxied asserts that each site reached the proxy, and through it
// exactly the signaling server and the relay, both tunnels granted.
func checkProxied(t *testing.T, proxy *Proc, proxyDst netip.AddrPort, sites []*Site, want ...netip.AddrPort) {
	t.Helper()
	events := proxy.Events("connect")
	for _, site := range sites {
		if n := site.AcceptedTCP(proxyDst); n == 0 {
			t.Errorf("%s: no TCP connection to the proxy's %s went through", site.Router.Name, proxyDst)
		}
		var targets []string
		for _, e := range events {
			from, err := netip.ParseAddrPort(e.Str("from"))
			if err != nil || from.Addr() != site.Public {
				continue
			}
			if status, _ := e.Num("status"); status != 200 {
				t.Errorf("%s: proxy answered %v to %s %s", site.Router.Name, e["status"], e.Str("method"), e.Str("target"))
			}
			targets = append(targets, e.Str("target"))
		}
		slices.Sort(targets)
		targets = slices.Compact(targets)
		wantTargets := []string{want[0].String(), want[1].String()}
		slices.Sort(wantTargets)
		if !slices.Equal(targets, wantTargets) {
			t.Errorf("%s tunnelled to %v through the proxy, want %v\n%s", site.Router.Name, targets, wantTargets, proxy.Output())
		}
	}
}

// checkSide asserts one client's events and exit, returning its connected
// event.
func checkSide(t *testing.T, s *Session, p *Proc, sc scenario) Event {
	t.Helper()
	c, ok := p.Event("connected")
	if !ok {
		t.Fatalf("%s never connected (exit %d)\n%s", p.Name, p.ExitCode(), s.Dump())
	}
	for key, want := range map[string]string{"path": sc.path, "protocol": sc.protocol, "dtls": wantDTLS, "srtp": wantSRTP} {
		if got := c.Str(key); got != want {
			t.Errorf("%s connected %s=%q, want %q: %v", p.Name, key, got, want, c)
		}
	}
	if sc.onlyHost && (c.Str("local") != "host" || c.Str("remote") != "host") {
		t.Errorf("%s connected %s/%s, want a host/host pair: %v", p.Name, c.Str("local"), c.Str("remote"), c)
	}
	if sc.onlyRelay && (c.Str("local") != "relay" || c.Str("remote") != "relay") {
		t.Errorf("%s connected %s/%s, want a relay/relay pair: %v", p.Name, c.Str("local"), c.Str("remote"), c)
	}
	if sc.path == "relayed" && c.Str("local") != "relay" && c.Str("remote") != "relay" {
		t.Errorf("%s relayed without a relay candidate: %v", p.Name, c)
	}
	if sc.path == "direct" && (c.Str("local") == "relay" || c.Str("remote") == "relay") {
		t.Errorf("%s direct with a relay candidate: %v", p.Name, c)
	}
	// The connected event is emitted only after the control handshake's
	// round trip over the data channel, and carries its duration.
	if rtt, ok := c.Num("rtt_ms"); !ok || rtt < 0 {
		t.Errorf("%s connected without a data-channel round trip (rtt_ms %v): %v", p.Name, c["rtt_ms"], c)
	}
	if _, ok := p.Event("ended"); !ok {
		t.Errorf("%s printed no ended event\n%s", p.Name, p.Output())
	}
	if code := p.ExitCode(); code != 0 {
		t.Errorf("%s exited with %d, want 0\n%s", p.Name, code, s.Dump())
	}
	return c
}
