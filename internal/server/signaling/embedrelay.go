package signaling

import (
	"fmt"
	"net"
	"net/url"

	"github.com/tandem-remote/tandem/internal/relay"
)

// startRelay runs a TURN relay in this process (the single-machine
// default) and returns the TURN URLs to hand to clients: the ones given, or
// turn: URLs on the public host for each listener.
func (svc *Service) startRelay(public *url.URL, secret []byte, given []string) ([]string, error) {
	o := svc.opts
	cfg := relay.Config{
		UDPAddr: o.RelayUDP, TCPAddr: o.RelayTCP, TLSAddr: o.RelayTLS, Secret: secret,
		AllowPeers: o.RelayAllowPeers, TCPAllocations: o.RelayTCPAllocations,
		Logger:     o.Logger.With("component", "relay"),
		Registerer: svc.reg, Refuse: svc.blockedRelayClient,
	}
	if o.RelayPublicIP != "" {
		if cfg.PublicIP = net.ParseIP(o.RelayPublicIP); cfg.PublicIP == nil {
			return nil, fmt.Errorf("-relay-public-ip %q is not an IP address", o.RelayPublicIP)
		}
	} else if ip := net.ParseIP(public.Hostname()); ip != nil && ip.To4() != nil && !ip.IsLoopback() {
		cfg.PublicIP = ip
	}
	if o.RelayTLS != "" {
		cfg.TLSConfig = svc.tls.Clone()
	}
	r, err := relay.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("embedded relay: %w", err)
	}
	svc.relay = r
	if len(given) > 0 {
		return given, nil
	}
	var urls []string
	addrs := r.Addrs()
	if addrs.UDP != nil {
		urls = append(urls, turnURL("turn", public.Hostname(), addrs.UDP, "udp"))
	}
	if addrs.TCP != nil {
		urls = append(urls, turnURL("turn", public.Hostname(), addrs.TCP, "tcp"))
	}
	if addrs.TLS != nil {
		urls = append(urls, turnURL("turns", public.Hostname(), addrs.TLS, "tcp"))
	}
	return urls, nil
}

func turnURL(scheme, host string, addr net.Addr, transport string) string {
	_, port, _ := net.SplitHostPort(addr.String())
	return fmt.Sprintf("%s:%s?transport=%s", scheme, net.JoinHostPort(host, port), transport)
}
