package netlab

import (
	"context"
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestNATBehaviour checks the lab itself before any Tandem binary runs in
// it: what each NAT type really does to UDP mappings, that the UDP-blocked
// router only lets the named TCP destinations through, and that the two
// private LANs cannot reach each other.
func TestNATBehaviour(t *testing.T) {
	Require(t)
	bins := probeBin.get(t)
	lab := New(t)
	s1 := lab.Server("s1", SignalingAddr)
	s2 := lab.Server("s2", RelayAddr)
	var echoes []string
	for _, s := range []struct {
		ns   *NS
		addr netip.Addr
	}{{s1, SignalingAddr}, {s2, RelayAddr}} {
		for _, port := range []uint16{7000, 7001} {
			a := netip.AddrPortFrom(s.addr, port).String()
			p := s.ns.Start("echo "+a, bins["probe"], "echo", a)
			waitLine(t, p, "listening")
			echoes = append(echoes, a)
		}
	}
	allowed := netip.AddrPortFrom(RelayAddr, 7000)
	cone := lab.Router("cone", PublicA, LANA, Cone)
	sym := lab.Router("sym", PublicB, LANB, Symmetric)
	blocked := lab.Router("blk", netip.MustParseAddr("203.0.113.30"),
		netip.MustParsePrefix("192.0.2.64/26"), UDPBlocked, allowed)
	hc, _ := cone.Host("hc")
	hs, hsAddr := sym.Host("hs")
	hb, _ := blocked.Host("hb")

	t.Run("cone keeps one mapping for every destination", func(t *testing.T) {
		seen := askUDP(t, bins, hc, echoes)
		t.Logf("one socket behind the cone NAT, seen from %v: %v", echoes, seen)
		if got := distinct(seen); len(got) != 1 || !strings.HasPrefix(seen[0], PublicA.String()+":") {
			t.Errorf("cone NAT mappings %v, want one mapping on %s", seen, PublicA)
		}
	})
	t.Run("symmetric maps each destination to its own port", func(t *testing.T) {
		seen := askUDP(t, bins, hs, echoes)
		t.Logf("one socket behind the symmetric NAT, seen from %v: %v", echoes, seen)
		for _, s := range seen {
			if !strings.HasPrefix(s, PublicB.String()+":") {
				t.Errorf("symmetric NAT mapping %s, want address %s", s, PublicB)
			}
		}
		if got := distinct(seen); len(got) < 2 {
			t.Errorf("symmetric NAT mappings %v: one port for %d destinations", seen, len(seen))
		}
	})
	t.Run("udp blocked drops udp and unlisted tcp", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err := hb.Try(ctx, bins["probe"], "ask", "udp", echoes[2]); err == nil {
			t.Errorf("UDP got through the UDP-blocked router: %s", out)
		}
		if out, err := hb.Try(ctx, bins["probe"], "ask", "tcp", echoes[0]); err == nil {
			t.Errorf("TCP to unlisted %s got through: %s", echoes[0], out)
		}
		if out, err := hb.Try(ctx, bins["probe"], "ask", "tcp", allowed.String()); err != nil {
			t.Errorf("TCP to allowed %s refused: %v\n%s", allowed, err, out)
		}
		if n := blocked.AcceptedTCP(allowed); n == 0 {
			t.Errorf("FORWARD rule for %s counted no packets", allowed)
		}
	})
	t.Run("private LANs are isolated", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		target := netip.AddrPortFrom(hsAddr, 7000).String()
		p := hs.Start("echo "+target, bins["probe"], "echo", target)
		waitLine(t, p, "listening")
		if out, err := hc.Try(ctx, bins["probe"], "ask", "udp", target); err == nil {
			t.Errorf("host behind %s reached private %s: %s", PublicA, target, out)
		}
	})
}

func askUDP(t *testing.T, bins Binaries, ns *NS, dsts []string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := ns.Try(ctx, bins["probe"], append([]string{"ask", "udp"}, dsts...)...)
	if err != nil {
		t.Fatalf("probe ask udp from %s: %v\n%s", ns.Name, err, out)
	}
	var seen []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			seen = append(seen, f[1])
		}
	}
	if len(seen) != len(dsts) {
		t.Fatalf("probe ask udp from %s: %d answers for %d destinations:\n%s", ns.Name, len(seen), len(dsts), out)
	}
	return seen
}

func distinct(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func waitLine(t *testing.T, p *Proc, substr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.WaitLine(ctx, substr); err != nil {
		t.Fatalf("%v\n%s", err, p.Output())
	}
}

// TestCoturnInLab checks the coturn configuration the NAT matrix uses,
// independently of Tandem's binaries: coturn's own client, behind a
// symmetric NAT, allocates with a TURN REST credential from the shared
// secret and relays to a peer on the wan.
func TestCoturnInLab(t *testing.T) {
	Require(t)
	for _, cmd := range []string{"turnserver", "turnutils_uclient", "turnutils_peer"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s not found; run scripts/install-deps.sh", cmd)
		}
	}
	lab := New(t)
	secret := randomHex(t)
	relay := StartCoturn(t, lab.Server("relay", RelayAddr), t.TempDir(), secret)
	peerNS := lab.Server("peer", SignalingAddr)
	peer := peerNS.Start("turnutils_peer", "turnutils_peer", "-L", SignalingAddr.String(), "-p", "3480")
	host, _ := lab.Router("sym", PublicB, LANB, Symmetric).Host("client")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := host.Try(ctx, "turnutils_uclient", "-W", secret, "-e", SignalingAddr.String(), "-r", "3480",
		"-n", "20", "-m", "1", "-l", "200", "-z", "5", RelayAddr.String())
	if err != nil {
		t.Fatalf("turnutils_uclient through coturn: %v\n%s\n%s\n%s", err, out, relay.Output(), peer.Output())
	}
	t.Log(lastLines(out, 6))
	m := regexp.MustCompile(`start_mclient: tot_send_msgs=\d+, tot_recv_msgs=(\d+)`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" {
		t.Errorf("nothing came back through coturn\n%s\n%s", out, relay.Output())
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
