package relay

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/server/turncred"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// newTestRelay starts a relay on loopback with ephemeral UDP and TCP
// listeners and IPv6 allocations on ::1; edit adjusts the config.
//
// Loopback is the relay's own host, where it relays only to its relay
// ports (ownhost.go), and the tests' loopback peers sit on ephemeral
// ports: so the range covers every unprivileged port. The own-host tests
// narrow it.
func newTestRelay(t *testing.T, edit func(*Config)) *Relay {
	t.Helper()
	cfg := Config{
		UDPAddr:      "127.0.0.1:0",
		TCPAddr:      "127.0.0.1:0",
		PublicIPv6:   net.ParseIP("::1"),
		Secret:       testSecret,
		RelayPortMin: 1024,
		RelayPortMax: 65535,
	}
	if edit != nil {
		edit(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// issue returns a live credential for session tag.
func issue(t *testing.T, tag string) turncred.Credential {
	t.Helper()
	c, err := turncred.Issue(testSecret, tag, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type clientOpts struct {
	transport string // "udp", "tcp" or "tls"
	family    turn.RequestedAddressFamily
	tls       *tls.Config
}

// dial connects a pion/turn client to r over the given transport.
func dial(t *testing.T, r *Relay, user, pass string, o clientOpts) *turn.Client {
	t.Helper()
	var conn net.PacketConn
	var server net.Addr
	switch o.transport {
	case "udp":
		server = r.Addrs().UDP
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn = pc
	case "tcp":
		server = r.Addrs().TCP
		c, err := net.Dial("tcp", server.String())
		if err != nil {
			t.Fatal(err)
		}
		conn = turn.NewSTUNConn(c)
	case "tls":
		server = r.Addrs().TLS
		c, err := tls.Dial("tcp", server.String(), o.tls)
		if err != nil {
			t.Fatal(err)
		}
		conn = turn.NewSTUNConn(c)
	default:
		t.Fatalf("unknown transport %q", o.transport)
	}
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr:         server.String(),
		TURNServerAddr:         server.String(),
		Conn:                   conn,
		Username:               user,
		Password:               pass,
		Realm:                  DefaultRealm,
		RTO:                    200 * time.Millisecond,
		RequestedAddressFamily: o.family,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

// request performs an authenticated TURN request with the long-term
// credential mechanism (first a 401 to learn the nonce) and returns the
// final response.
func request(t *testing.T, c *turn.Client, server net.Addr, user, pass string, method stun.Method, attrs ...stun.Setter) *stun.Message {
	t.Helper()
	build := func(extra ...stun.Setter) *stun.Message {
		s := append([]stun.Setter{stun.TransactionID, stun.NewType(method, stun.ClassRequest)}, attrs...)
		m, err := stun.Build(append(s, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	res, err := c.PerformTransaction(build(), server, false)
	if err != nil {
		t.Fatalf("%v: %v", method, err)
	}
	var nonce stun.Nonce
	if err := nonce.GetFrom(res.Msg); err != nil {
		t.Fatalf("%v: no nonce in %v", method, res.Msg)
	}
	res, err = c.PerformTransaction(build(stun.NewUsername(user), stun.NewRealm(DefaultRealm), nonce,
		stun.NewLongTermIntegrity(user, DefaultRealm, pass)), server, false)
	if err != nil {
		t.Fatalf("%v: %v", method, err)
	}
	return res.Msg
}

// errorCode returns the response's error code, or 0 for a success.
func errorCode(t *testing.T, m *stun.Message) stun.ErrorCode {
	t.Helper()
	if m.Type.Class == stun.ClassSuccessResponse {
		return 0
	}
	var ec stun.ErrorCodeAttribute
	if err := ec.GetFrom(m); err != nil {
		t.Fatalf("response %v has no error code", m)
	}
	return ec.Code
}

// metricSum adds up every series of the named metric.
func metricSum(t *testing.T, r *Relay, name string) float64 {
	t.Helper()
	mfs, err := r.gather.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}
