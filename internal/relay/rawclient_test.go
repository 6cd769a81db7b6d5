package relay

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/stun/v4"
)

// rawClient speaks TURN over UDP byte by byte, so tests can send exactly
// the ChannelData and indications the data plane handles and see exactly
// what comes back. Requests use the long-term credential mechanism.
type rawClient struct {
	t          *testing.T
	conn       *net.UDPConn
	server     *net.UDPAddr
	user, pass string
	nonce      stun.Nonce
	relayed    netip.AddrPort
}

func newRawClient(t *testing.T, r *Relay, tag string) *rawClient {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return newRawClientAt(t, conn, r.Addrs().UDP.(*net.UDPAddr), tag)
}

// newRawClientAt allocates through the relay at server from conn, which it
// closes when the test ends.
func newRawClientAt(t *testing.T, conn *net.UDPConn, server *net.UDPAddr, tag string) *rawClient {
	t.Helper()
	t.Cleanup(func() { conn.Close() })
	cred := issue(t, tag)
	c := &rawClient{t: t, conn: conn, server: server, user: cred.Username, pass: cred.Password}
	res := c.do(stun.MethodAllocate, stun.RawAttribute{Type: stun.AttrRequestedTransport, Value: []byte{17, 0, 0, 0}})
	var relayed stun.XORMappedAddress
	if err := relayed.GetFromAs(res, stun.AttrXORRelayedAddress); err != nil {
		t.Fatalf("allocate: %v (%v)", err, res)
	}
	ip, _ := netip.AddrFromSlice(relayed.IP)
	c.relayed = netip.AddrPortFrom(ip.Unmap(), uint16(relayed.Port))
	return c
}

// do sends an authenticated request (learning the nonce on a 401) and
// returns the final response.
func (c *rawClient) do(method stun.Method, attrs ...stun.Setter) *stun.Message {
	c.t.Helper()
	for try := 0; try < 3; try++ {
		s := append([]stun.Setter{stun.TransactionID, stun.NewType(method, stun.ClassRequest)}, attrs...)
		if c.nonce != nil {
			s = append(s, stun.NewUsername(c.user), stun.NewRealm(DefaultRealm), c.nonce,
				stun.NewLongTermIntegrity(c.user, DefaultRealm, c.pass))
		}
		req := stun.MustBuild(s...)
		res := c.exchange(req)
		if code := errorCode(c.t, res); code == stun.CodeUnauthorized || code == stun.CodeStaleNonce {
			if err := c.nonce.GetFrom(res); err != nil {
				c.t.Fatalf("%v: %d without nonce", method, code)
			}
			continue
		}
		return res
	}
	c.t.Fatalf("%v: no answer after 3 tries", method)
	return nil
}

// exchange sends req and waits for the response with its transaction ID,
// skipping data that arrives meanwhile.
func (c *rawClient) exchange(req *stun.Message) *stun.Message {
	c.t.Helper()
	if _, err := c.conn.WriteToUDP(req.Raw, c.server); err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := c.read(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("waiting for response to %v: %v", req.Type, err)
		}
		res := &stun.Message{Raw: b}
		if stun.IsMessage(b) && res.Decode() == nil && res.TransactionID == req.TransactionID {
			return res
		}
	}
}

// read returns the next datagram from the relay.
func (c *rawClient) read(wait time.Duration) ([]byte, error) {
	buf := make([]byte, 2048)
	c.conn.SetReadDeadline(time.Now().Add(wait))
	n, err := c.conn.Read(buf)
	return buf[:n], err
}

func (c *rawClient) permit(peer netip.AddrPort) stun.ErrorCode {
	c.t.Helper()
	return errorCode(c.t, c.do(stun.MethodCreatePermission, peerAttr(xorAddr(peer))))
}

func (c *rawClient) bind(num uint16, peer netip.AddrPort) stun.ErrorCode {
	c.t.Helper()
	ch := stun.RawAttribute{Type: stun.AttrChannelNumber, Value: []byte{byte(num >> 8), byte(num), 0, 0}}
	return errorCode(c.t, c.do(stun.MethodChannelBind, ch, peerAttr(xorAddr(peer))))
}

// sendChannel sends payload on channel num.
func (c *rawClient) sendChannel(num uint16, payload []byte) {
	c.t.Helper()
	b := append([]byte{byte(num >> 8), byte(num), byte(len(payload) >> 8), byte(len(payload))}, payload...)
	if _, err := c.conn.WriteToUDP(b, c.server); err != nil {
		c.t.Fatal(err)
	}
}

// sendIndication sends payload to peer in a Send indication.
func (c *rawClient) sendIndication(peer netip.AddrPort, payload []byte) {
	c.t.Helper()
	m := stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodSend, stun.ClassIndication),
		peerAttr(xorAddr(peer)), stun.RawAttribute{Type: stun.AttrData, Value: payload})
	if _, err := c.conn.WriteToUDP(m.Raw, c.server); err != nil {
		c.t.Fatal(err)
	}
}

// errNothing is what receive functions return when nothing came.
var errNothing = errors.New("nothing received")

// receive returns the next relayed payload: its channel (0 for a Data
// indication) and the peer a Data indication names.
func (c *rawClient) receive(wait time.Duration) (num uint16, peer netip.AddrPort, payload []byte, err error) {
	deadline := time.Now().Add(wait)
	for {
		b, err := c.read(time.Until(deadline))
		if err != nil {
			return 0, peer, nil, errNothing
		}
		if n, data, ok := parseChannelData(b); ok {
			return n, peer, data, nil
		}
		m := &stun.Message{Raw: b}
		if m.Decode() != nil || m.Type != stun.NewType(stun.MethodData, stun.ClassIndication) {
			continue
		}
		var xa stun.XORMappedAddress
		data, derr := m.Get(stun.AttrData)
		if xa.GetFromAs(m, stun.AttrXORPeerAddress) != nil || derr != nil {
			c.t.Fatalf("malformed Data indication %v", m)
		}
		ip, _ := netip.AddrFromSlice(xa.IP)
		return 0, netip.AddrPortFrom(ip.Unmap(), uint16(xa.Port)), data, nil
	}
}

func xorAddr(a netip.AddrPort) *stun.XORMappedAddress {
	return &stun.XORMappedAddress{IP: a.Addr().AsSlice(), Port: int(a.Port())}
}
