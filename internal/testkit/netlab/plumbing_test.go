package netlab

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
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
	t.Run("simultaneous hole punching keeps ports", func(t *testing.T) {
		// Two hosts behind cone NATs, each sending to where the other's
		// NAT keeps its port: both must get through, from that very port.
		conePeer, _ := lab.Router("cone2", PublicB.Next(), netip.MustParsePrefix("198.51.100.64/26"), Cone).Host("hc2")
		const port = 40000
		a := netip.AddrPortFrom(PublicA, port).String()
		b := netip.AddrPortFrom(PublicB.Next(), port).String()
		local := fmt.Sprintf("0.0.0.0:%d", port)
		pa := hc.Start("punch a", bins["probe"], "punch", local, b, "5s")
		pb := conePeer.Start("punch b", bins["probe"], "punch", local, a, "5s")
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		for _, c := range []struct {
			p    *Proc
			want string
		}{{pa, b}, {pb, a}} {
			if err := c.p.Wait(ctx); err != nil {
				t.Fatalf("%s: %v\n%s", c.p.Name, err, c.p.Output())
			}
			if err := c.p.WaitLine(ctx, c.want); err != nil {
				t.Errorf("%s: want a packet from %s: %v\n%s", c.p.Name, c.want, err, c.p.Output())
			}
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

// TestRelaysInLab checks the relays the NAT matrix uses, independently of
// Tandem's clients: coturn's own load generator, behind a NAT, allocates with
// a TURN REST credential from the shared secret and relays to a peer on the
// wan — over UDP through a symmetric NAT, and over TLS on 443 through a
// router that drops UDP.
func TestRelaysInLab(t *testing.T) {
	Require(t)
	for _, cmd := range []string{"turnserver", "turnutils_uclient", "turnutils_peer"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s not found; run scripts/install-deps.sh", cmd)
		}
	}
	tlsDst := netip.AddrPortFrom(RelayAddr, RelayTLSPort)
	for _, tc := range []struct {
		name  string
		relay RelayKind
		nat   NAT
		args  []string // extra turnutils_uclient flags
	}{
		{"coturn udp", Coturn, Symmetric, nil},
		{"turnrelay udp", OurRelay, Symmetric, nil},
		{"turnrelay tls 443", OurRelay, UDPBlocked, []string{"-t", "-S", "-p", fmt.Sprint(RelayTLSPort)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab := New(t)
			dir := t.TempDir()
			secret := randomHex(t)
			relayNS := lab.Server("relay", RelayAddr)
			var relay *Proc
			if tc.relay == Coturn {
				relay, _ = StartCoturn(t, relayNS, dir, secret)
			} else {
				bins := tandem.get(t, "turnrelay")
				secretFile := filepath.Join(dir, "secret")
				if err := os.WriteFile(secretFile, []byte(secret), 0o600); err != nil {
					t.Fatal(err)
				}
				relay, _ = StartTURNRelay(t, relayNS, bins["turnrelay"], dir, secretFile)
			}
			peer := lab.Server("peer", SignalingAddr).Start("turnutils_peer", "turnutils_peer",
				"-L", SignalingAddr.String(), "-p", "3480")
			site := lab.Router("r", PublicB, LANB, tc.nat, tlsDst)
			host, _ := site.Host("client")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			args := append([]string{"-W", secret, "-e", SignalingAddr.String(), "-r", "3480",
				"-n", "5", "-m", "1", "-l", "200", "-z", "5", "-c"}, tc.args...)
			out, err := host.Try(ctx, "turnutils_uclient", append(args, RelayAddr.String())...)
			m := regexp.MustCompile(`start_mclient: tot_send_msgs=\d+, tot_recv_msgs=(\d+)`).FindStringSubmatch(out)
			if err != nil || m == nil || m[1] == "0" {
				t.Fatalf("nothing came back through %s (%v):\n%s\n%s\n%s", relay.Name, err, lastLines(out, 20), relay.Output(), peer.Output())
			}
			t.Log(lastLines(out, 5))
			if tc.nat == UDPBlocked && site.AcceptedTCP(tlsDst) == 0 {
				t.Errorf("no TCP connection to %s went through the router", tlsDst)
			}
		})
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
