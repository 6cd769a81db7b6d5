package relay

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/pion/transport/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tandem-remote/tandem/internal/server/turncred"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultRealm        = "tandem"
	DefaultRelayPortMin = 49152
	DefaultRelayPortMax = 65535
	DefaultPerUserQuota = 10
	DefaultTotalQuota   = 10000
)

// Config configures a Relay. The zero value of every optional field means
// "use the default"; at least one of UDPAddr, TCPAddr and TLSAddr must be set.
type Config struct {
	// UDPAddr, TCPAddr and TLSAddr are the listen addresses of TURN over
	// UDP, TCP and TLS ("host:port", port 0 picks a free one). Empty turns
	// that listener off.
	UDPAddr string
	TCPAddr string
	TLSAddr string

	// TLSConfig serves the TLS listener; it must carry a certificate
	// (Certificates or GetCertificate). The signaling server passes its own
	// so that one certificate covers both when the relay runs in-process.
	// The listener applies tlspolicy.Server to it: AES-256-GCM only.
	TLSConfig *tls.Config

	// Realm is the long-term-credential realm; DefaultRealm if empty.
	Realm string

	// PublicIP is the relay address advertised in XOR-RELAYED-ADDRESS.
	// If nil, the listeners' IP is used; if they listen on every interface,
	// the IP of the interface holding the default route.
	PublicIP net.IP

	// PublicIPv6 turns on IPv6 allocations (RFC 6156): relayed IPv6 ports
	// are bound to and advertised at this address. If nil, IPv6
	// allocations work only when a listener is bound to a specific IPv6
	// address, which is then used.
	PublicIPv6 net.IP

	// RelayPortMin and RelayPortMax bound the relayed transport addresses
	// (inclusive); DefaultRelayPortMin..DefaultRelayPortMax if zero.
	RelayPortMin, RelayPortMax uint16

	// Secret is the TURN REST shared secret (see turncred); at least
	// turncred.MinSecretLen bytes.
	Secret []byte

	// AllowPeers exempts these prefixes from the peer-address policy (see
	// policy.go). Meant for tests and for relaying inside a private network
	// on purpose; leave empty on a public relay. It never opens the relay's
	// own host beyond its relay ports (ownhost.go).
	AllowPeers []netip.Prefix

	// TCPAllocations turns on RFC 6062 TCP allocations: a client over TCP
	// or TLS asks the relay to open TCP connections to peers (Connect) or
	// accept them. WebRTC never uses them, so they are off unless set; an
	// Allocate for TCP is then answered 442 (Unsupported Transport
	// Protocol). Relaying over UDP for clients on TCP or TLS is not
	// affected.
	TCPAllocations bool

	// PerUserQuota caps concurrent allocations per TURN username, and
	// TotalQuota caps them for the whole relay. DefaultPerUserQuota and
	// DefaultTotalQuota if zero.
	PerUserQuota int
	TotalQuota   int

	// Refuse, if set, is asked on every allocation request with the
	// client's address (IPv4-mapped addresses unmapped); true refuses the
	// allocation (486, as a full quota). The signaling server passes its
	// customer-block check here so that a blocked address gets no relay.
	Refuse func(netip.Addr) bool

	// Logger receives the relay's logs; nil discards them.
	Logger *slog.Logger

	// Registerer receives the relay's metrics; nil gives the relay its own
	// registry, served by Handler.
	Registerer prometheus.Registerer

	// Net is the network the relay listens on and relays through; nil
	// means the host's network stack. Tests may pass a pion vnet.
	Net transport.Net

	// permissionTimeout and channelTimeout shorten pion's permission and
	// channel lifetimes (RFC 8656: 5 and 10 minutes) for expiry tests.
	permissionTimeout, channelTimeout time.Duration
}

// withDefaults returns a copy of c with zero optional fields filled in.
func (c Config) withDefaults() Config {
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	if c.RelayPortMin == 0 && c.RelayPortMax == 0 {
		c.RelayPortMin, c.RelayPortMax = DefaultRelayPortMin, DefaultRelayPortMax
	}
	if c.PerUserQuota == 0 {
		c.PerUserQuota = DefaultPerUserQuota
	}
	if c.TotalQuota == 0 {
		c.TotalQuota = DefaultTotalQuota
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports the first problem that would stop New, after defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.UDPAddr == "" && c.TCPAddr == "" && c.TLSAddr == "" {
		return errors.New("relay config: no listener: set a UDP, TCP or TLS address")
	}
	if c.TLSAddr != "" && (c.TLSConfig == nil || (len(c.TLSConfig.Certificates) == 0 && c.TLSConfig.GetCertificate == nil)) {
		return errors.New("relay config: the TLS listener needs a certificate")
	}
	if len(c.Secret) < turncred.MinSecretLen {
		return fmt.Errorf("relay config: secret is %d bytes, need at least %d", len(c.Secret), turncred.MinSecretLen)
	}
	if c.RelayPortMin == 0 || c.RelayPortMax < c.RelayPortMin {
		return fmt.Errorf("relay config: bad relay port range %d-%d", c.RelayPortMin, c.RelayPortMax)
	}
	if c.PerUserQuota < 0 || c.TotalQuota < 0 {
		return errors.New("relay config: quotas must be positive")
	}
	if c.PublicIP != nil && (c.PublicIP.IsUnspecified() || c.PublicIP.To16() == nil) {
		return fmt.Errorf("relay config: public IP %v is not a usable address", c.PublicIP)
	}
	if c.PublicIP != nil && c.PublicIP.To4() == nil {
		return fmt.Errorf("relay config: public IP %v is not IPv4 (use PublicIPv6)", c.PublicIP)
	}
	if c.PublicIPv6 != nil && (c.PublicIPv6.To4() != nil || c.PublicIPv6.IsUnspecified()) {
		return fmt.Errorf("relay config: public IPv6 %v is not a usable IPv6 address", c.PublicIPv6)
	}
	for _, p := range c.AllowPeers {
		if !p.IsValid() {
			return errors.New("relay config: invalid allow-peers prefix")
		}
	}
	for _, a := range []string{c.UDPAddr, c.TCPAddr, c.TLSAddr} {
		if a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("relay config: listen address %q: %w", a, err)
		}
	}
	return c.listenersOutsideRange()
}

// listenersOutsideRange refuses a relay port range holding one of the
// relay's own listener ports: relayed ports are where the relay may send
// on its own host (ownlive.go), and its listeners must never be among
// them. A port 0 listener (tests) takes what the kernel gives it.
func (c Config) listenersOutsideRange() error {
	for _, l := range []struct{ name, addr string }{{"UDP", c.UDPAddr}, {"TCP", c.TCPAddr}, {"TLS", c.TLSAddr}} {
		_, ps, err := net.SplitHostPort(l.addr)
		if err != nil {
			continue
		}
		port, err := strconv.ParseUint(ps, 10, 16)
		if err != nil || port == 0 || port < uint64(c.RelayPortMin) || port > uint64(c.RelayPortMax) {
			continue
		}
		return fmt.Errorf("relay config: the %s listener's port %d is inside the relay port range %d-%d: "+
			"choose a relay port range without it (-relay-ports) or move the listener", l.name, port, c.RelayPortMin, c.RelayPortMax)
	}
	return nil
}
