package peer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/pion/stun/v4"
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

const relayDialTimeout = 10 * time.Second

type relayDialer struct {
	tlsAddrs map[string]string // host:port of a turns: URL -> server name
	roots    *x509.CertPool
	proxy    proxyFunc  // nil: always direct
	gate     *relayGate // nil: no UDP relay URL to give a head start to
	dialer   net.Dialer
}

// turnTLSDialer returns nil when cfg has no TCP relay URL, leaving pion's
// own dialing (over Config.Net) in place.
func turnTLSDialer(cfg Config) *relayDialer {
	d := &relayDialer{tlsAddrs: map[string]string{}, roots: cfg.RootCAs, proxy: envProxy()}
	d.dialer.Timeout = relayDialTimeout
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
	return d
}

// relayGathered tells the dialer a local relay candidate was gathered (see
// relayGate). d may be nil.
func (d *relayDialer) relayGathered() {
	if d != nil && d.gate != nil {
		d.gate.relayGathered()
	}
}

// Dial implements golang.org/x/net/proxy.Dialer for pion's ICE agent.
func (d *relayDialer) Dial(network, addr string) (net.Conn, error) {
	if d.gate != nil {
		if err := d.gate.wait(); err != nil {
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
	ctx, cancel := context.WithTimeout(context.Background(), relayDialTimeout)
	defer cancel()
	tc := tls.Client(conn, d.tlsConfig(name))
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("dial turns relay: %w", err)
	}
	return tc, nil
}

// tlsConfig verifies the relay's chain against the system roots first and
// Config.RootCAs second. x509.CertPool cannot be merged, hence the custom
// verification; the hostname check is the standard one.
func (d *relayDialer) tlsConfig(serverName string) *tls.Config {
	return &tls.Config{
		ServerName:         serverName,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection below
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyChain(cs, serverName, d.roots)
		},
	}
}

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
