package peer

import (
	"context"
	"crypto/fips140"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/pion/stun/v4"

	"github.com/tandem-remote/tandem/internal/link/tlspolicy"
)

// pion's ICE agent dials turns: relays with a tls.Config that holds only
// ServerName and InsecureSkipVerify, so it trusts the system roots and
// nothing else, and it has no option for a pool. It does, however, hand
// every TCP relay connection to a proxy dialer when one is set, and then
// speaks TURN over whatever that dialer returns. turnTLSDialer is such a
// dialer: it opens TLS itself for the addresses of turns: URLs, verified
// against the system roots and Config.RootCAs, and plain TCP for turn: URLs
// with transport=tcp, either of them through an HTTP proxy when the
// environment names one (see proxy.go). It bypasses Config.Net, which is
// fine: pion's vnet has no TCP.

// pion's ICE agent waits for every relay dial of a gathering before it
// closes, and proxy.Dialer has no context: a dial to a relay whose port a
// firewall silently drops would hold the link's Close for the whole dial
// timeout. So the dialer has its own context, cancelled by close.
const relayDialTimeout = 10 * time.Second

type relayDialer struct {
	tlsAddrs map[string]string // host:port of a turns: URL -> server name
	roots    *x509.CertPool
	proxy    proxyFunc  // nil: always direct
	gate     *relayGate // nil: no UDP relay URL to give a head start to
	dialer   net.Dialer
	timeout  time.Duration // of the TCP connect and, separately, the TLS handshake
	// ctx ends the dials under way when stop is called (close).
	ctx  context.Context
	stop context.CancelFunc
}

// turnTLSDialer returns nil when cfg has no TCP relay URL, leaving pion's
// own dialing (over Config.Net) in place.
func turnTLSDialer(cfg Config) *relayDialer {
	d := &relayDialer{tlsAddrs: map[string]string{}, roots: cfg.RootCAs, proxy: envProxy(), timeout: relayDialTimeout}
	tcp, udp := false, false
	for _, s := range cfg.ICEServers {
		for _, raw := range s.URLs {
			u, err := stun.ParseURI(raw)
			if err != nil {
				continue
			}
			if u.Proto != stun.ProtoTypeTCP {
				udp = udp || u.Scheme == stun.SchemeTypeTURN
				continue
			}
			tcp = true
			if u.Scheme == stun.SchemeTypeTURNS {
				d.tlsAddrs[net.JoinHostPort(u.Host, strconv.Itoa(u.Port))] = u.Host
			}
		}
	}
	if !tcp {
		return nil
	}
	if udp {
		d.gate = &relayGate{headStart: relayHeadStart}
	}
	d.ctx, d.stop = context.WithCancel(context.Background())
	return d
}

// close ends the dials under way and refuses later ones. d may be nil.
func (d *relayDialer) close() {
	if d != nil {
		d.stop()
	}
}

// relayGathered tells the dialer a local relay candidate was gathered (see
// relayGate). d may be nil.
func (d *relayDialer) relayGathered() {
	if d != nil && d.gate != nil {
		d.gate.relayGathered()
	}
}

// errOtherFamily refuses pion's dial of a relay's IP literal on the other
// address family's network; pion logs it and gathers nothing from that
// dial, as it would after a failed one.
var errOtherFamily = errors.New("relay address is of the other IP family; not dialled")

// Dial implements golang.org/x/net/proxy.Dialer for pion's ICE agent.
func (d *relayDialer) Dial(network, addr string) (net.Conn, error) {
	// pion dials every TCP relay URL once per family (tcp4, tcp6). An IP
	// literal has one family: the other dial could only fail ("dial tcp6:
	// address 203.0.113.10: no suitable address found", on every gathering
	// and ICE restart), so it is refused here, before the head start.
	if want := literalNetwork(addr); want != "" && network != "tcp" && network != want {
		return nil, fmt.Errorf("relay %s on %s: %w", addr, network, errOtherFamily)
	}
	if d.gate != nil {
		if err := d.gate.wait(d.ctx); err != nil {
			return nil, err
		}
	}
	conn, err := d.dialTCP(network, addr)
	if err != nil {
		return nil, err
	}
	name, isTLS := d.tlsAddrs[addr]
	if !isTLS {
		return conn, nil
	}
	ctx, cancel := context.WithTimeout(d.ctx, d.timeout)
	defer cancel()
	tc := tls.Client(conn, d.tlsConfig(name))
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("dial turns relay: %w", err)
	}
	return tc, nil
}

// literalNetwork is "tcp4" or "tcp6" for an IP literal host:port (an
// IPv4-mapped IPv6 address is IPv4, as the dialer treats it), "" for a name.
func literalNetwork(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	ip, err := netip.ParseAddr(host)
	switch {
	case err != nil:
		return ""
	case ip.Unmap().Is4():
		return "tcp4"
	default:
		return "tcp6"
	}
}

// tlsConfig is the client side of every TLS hop this package opens: to a
// turns: relay, which may be a third party's (coturn), and to an HTTPS
// proxy. Like our listeners it negotiates AES-256-GCM only (the seed's
// AES-256 for every exchange): importing tlspolicy narrows crypto/tls's TLS
// 1.3 offer to TLS_AES_256_GCM_SHA384 process-wide, CipherSuites narrows
// TLS 1.2 to ECDHE with AES-256-GCM, and tlspolicy.Check refuses anything
// else once the handshake ends. Without it a server whose list puts
// AES-128 first (coturn with Mozilla's "intermediate" list) chose AES-128.
//
// It verifies the relay's chain against the system roots first and
// Config.RootCAs second. x509.CertPool cannot be merged, hence the custom
// verification; the hostname check is the standard one.
func (d *relayDialer) tlsConfig(serverName string) *tls.Config {
	c := &tls.Config{
		ServerName:         serverName,
		MinVersion:         tls.VersionTLS12,
		CipherSuites:       tls12AES256,
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if err := tlspolicy.Check(cs); err != nil {
				return err
			}
			return verifyChain(cs, serverName, d.roots)
		},
	}
	if fips140.Enabled() {
		// crypto/tls then offers its own TLS 1.3 list, AES-128 first and
		// not narrowed by tlspolicy (see its package comment).
		c.MaxVersion = tls.VersionTLS12
	}
	return c
}

// tls12AES256 are the TLS 1.2 suites tlspolicy allows.
var tls12AES256 = func() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		if tlspolicy.Allowed(s.ID) && slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}()

func verifyChain(cs tls.ConnectionState, serverName string, extra *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("relay sent no certificate")
	}
	opts := x509.VerifyOptions{DNSName: serverName, Intermediates: x509.NewCertPool()}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	leaf := cs.PeerCertificates[0]
	_, err := leaf.Verify(opts) // nil Roots: the system pool
	if err == nil || extra == nil {
		return err
	}
	opts.Roots = extra
	if _, err2 := leaf.Verify(opts); err2 != nil {
		return fmt.Errorf("verify relay certificate: %w", err2)
	}
	return nil
}
