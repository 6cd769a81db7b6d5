package netlab

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Loss makes the site's router drop a share p (0..1) of the packets it
// forwards from the wan into its LAN, at random (iptables' statistic
// match: this kernel has no netem). With Loss on both sites each
// direction between them loses p once, whichever path it takes (direct
// between the routers, or through a relay on the wan). Signaling's TCP
// loses its share too, as on a bad Wi-Fi.
func (s *Site) Loss(p float64) {
	s.lab.t.Helper()
	if p <= 0 {
		return
	}
	s.Router.IPTables("-I", "FORWARD", "-i", "wan", "-m", "statistic", "--mode", "random",
		"--probability", strconv.FormatFloat(p, 'f', 4, 64), "-j", "DROP")
}

// Police holds what the site's router forwards into its LAN to kbit
// kbit/s with next to no queue (tc's token bucket with a 16 KB burst and
// 5 ms of latency): a policer, as mobile plans have, where loss and not
// delay says the path is full.
func (s *Site) Police(kbit int) {
	s.lab.t.Helper()
	s.Router.Exec("tc", "qdisc", "add", "dev", "lan", "root", "tbf", "rate", fmt.Sprintf("%dkbit", kbit),
		"burst", "16kb", "latency", "5ms")
}

// LossDropped is how many packets the Loss rule dropped so far.
func (s *Site) LossDropped() (int, error) {
	out := s.Router.IPTables("-L", "FORWARD", "-v", "-x", "-n")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[2] == "DROP" && strings.Contains(line, "statistic") {
			return strconv.Atoi(f[0])
		}
	}
	return 0, fmt.Errorf("netlab: no loss rule on %s", s.Router.Name)
}

// DelayedHost is Host with a slow last hop: the host hangs off the router
// through a pair of TUN interfaces whose forwarder holds every packet for
// oneWay in each direction (this kernel has no netem), as a phone on 4G
// would. All the host's traffic crosses it: signaling, relay and direct.
func (s *Site) DelayedHost(name string, oneWay time.Duration) (*NS, netip.Addr) {
	t := s.lab.t
	t.Helper()
	s.hosts++
	h := s.lab.ns(name)
	gw := s.LAN.Addr().Next()
	addr := s.LAN.Addr()
	for range 40 { // well past the bridge's hosts
		addr = addr.Next()
	}
	dev := fmt.Sprintf("d%d", s.hosts)
	r := s.Router.tun(t, dev, gw, addr)
	l := h.tun(t, "eth0", addr, gw)
	h.IP("route", "add", "default", "via", gw.String(), "dev", "eth0")
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); forward(r, l, oneWay) }()
	go func() { defer wg.Done(); forward(l, r, oneWay) }()
	t.Cleanup(func() {
		_ = r.Close()
		_ = l.Close()
		wg.Wait()
	})
	return h, addr
}
