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

// sctpRTOMax caps SCTP's retransmission back-off (see its use in
// policy.go). pion/sctp computes the timeout as min(max(srtt+4 rttvar,
// 1 s), cap) and doubles it on every timeout in a row, up to the cap. The
// cap is fixed when the association starts, before any round trip is
// measured, and the 1 s floor cannot be changed, so no cap can follow the
// path.
//
// Lower caps were measured side by side and refused. Each shortens a key's
// (a chat line's, a control message's) wait while a file streams under
// loss, since the association's timeouts stall every channel
// (BenchmarkInputUnderLoss, 20 ms round trip, 10 % loss each way, 300 keys:
// p95 1.5-3.0 s at 3 s, 1.5 s at 2 s, 1.2-1.35 s at 1 s, 1.0 s at 500 ms,
// 0.5-0.7 s at 250 ms). But a cap takes the back-off away from any path or
// peer slower than it: below 1 s the cap is the timeout on every path, and
// fires before a long path's acknowledgement can come back
// (BenchmarkRTOLongPath: 250 ms left 0.01-0.05x of the file goodput on a
// 300 ms round trip; 500 ms 0.005x on 600 ms); at 1 s and 2 s,
// TestSendWindowOnLongPath (300 ms round trip, race detector) stalled in 2
// of 4 and 1 of 6 runs: every timeout resends all in flight to a receiver
// still working through it. At 3 s it passed 7 of 7.
const sctpRTOMax = 3 * time.Second

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
