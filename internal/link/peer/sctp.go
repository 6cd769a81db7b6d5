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

// sctpRTOMax bounds SCTP's retransmission back-off (see Config's use in
// policy.go). Its minimum stays 1 s, so a slow path sees no spurious
// retransmissions; only the wait after a long outage shrinks.
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
