package peer

import (
	"net"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"
)

// udpBuffer is the kernel socket buffer asked for on every UDP socket the
// link opens. Linux's default (208 KiB) overflows while a file streams: the
// drops cost SCTP retransmissions and halve its congestion window. Linux
// caps the request at net.core.rmem_max / wmem_max.
const udpBuffer = 4 << 20

// sctpRTOMax caps SCTP's retransmission timeout (see its use in policy.go).
// pion/sctp computes the timeout as min(max(srtt+4 rttvar, 1 s), cap) and
// doubles it, up to the cap, on every timeout in a row; the cap is fixed
// when the association starts, before any round trip is measured, and the
// 1 s floor cannot be changed. At 1 s the timeout is pion's floor on every
// path under a 1 s round trip: never earlier than pion's own first
// timeout, but no back-off. While a file streams under loss, timeouts come
// in a row (a retransmission is lost too) and each doubling stalls every
// channel of the association: keys, chat, control.
//
// Measured side by side (BenchmarkInputUnderLoss, 20 ms round trip, 10 %
// loss each way, a file streaming, 300 keys each): a key's round trip p95
// 2.7 s, max 8.3 s with a 3 s cap; 1.35 s, max 2.8 s with 1 s; 1.0 s with
// 500 ms; 0.48 s with 250 ms. A cap below 1 s is the timeout itself, on
// every path, and fires before a long path's acknowledgement can come
// back (BenchmarkRTOLongPath): 250 ms left 0.01-0.03x of the file
// throughput on a 300 ms round trip; 500 ms left 0.005x and 750 ms 0.4x
// (1.85 bytes sent per byte delivered) on a 600 ms one (a geostationary
// satellite hop), where 1 s kept it (1.08). A cap derived from the
// measured round trip would need pion to take one after the association
// starts.
const sctpRTOMax = time.Second

// tuneThroughput applies the settings BenchmarkTransfer in internal/link/filexfer
// measured against pion's defaults, and the receive window a long path
// needs (BenchmarkTransferRTT; see sendWindow). What else was tried on
// loopback, with no gain beyond the noise: SCTP zero checksum (CRC32c is
// already cheap), a larger minimum cwnd or fast-retransmit window, 4 MiB
// send water marks, 16 KiB messages. The limit there is pion's CPU cost per
// 1191-byte SCTP packet (a fixed MTU in webrtc v4): one DTLS record, one
// sendto, several allocations each.
func tuneThroughput(se *webrtc.SettingEngine, cfg Config) {
	se.SetSCTPMaxReceiveBufferSize(sctpReceiveBuffer)
	if cfg.Net == nil {
		if n, err := newBufferedNet(); err == nil {
			se.SetNet(n)
		}
	}
}

// bufferedNet is the host's network with larger UDP socket buffers. Like
// the stdnet.Net ICE would create for itself, it lists the host's interfaces
// once, when the link is built.
type bufferedNet struct {
	*stdnet.Net
}

func newBufferedNet() (transport.Net, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return bufferedNet{n}, nil
}

func (n bufferedNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err == nil {
		_ = c.SetReadBuffer(udpBuffer)
		_ = c.SetWriteBuffer(udpBuffer)
	}
	return c, err
}

func (n bufferedNet) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if u, ok := c.(*net.UDPConn); ok && err == nil {
		_ = u.SetReadBuffer(udpBuffer)
		_ = u.SetWriteBuffer(udpBuffer)
	}
	return c, err
}
