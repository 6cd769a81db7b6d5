package filexfer

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"

	"github.com/tandem-remote/tandem/internal/netlab"
	"github.com/tandem-remote/tandem/internal/peer"
)

// rttSize is the file BenchmarkTransferRTT sends.
const rttSize = 64 << 20

// BenchmarkTransferRTT sends a file between two Endpoints over a real
// kernel path with a 50 ms round trip (netlab.DelayedPath: two network
// namespaces joined by a delaying TUN forwarder), and, in the same
// iteration over the same path, as many bytes over one TCP connection:
// the bar is Tandem ≥ 0.9× TCP. Linux's TCP grows its window to the path;
// SCTP is held to what the sender may have in flight. Needs root (skips
// otherwise).
func BenchmarkTransferRTT(b *testing.B) {
	netlab.Require(b)
	path := netlab.NewDelayedPath(b, 25*time.Millisecond)
	src := filepath.Join(b.TempDir(), "rtt.bin")
	check(b, os.WriteFile(src, make([]byte, rttSize), 0o600))
	var tcp, ours time.Duration
	for b.Loop() {
		tcp += timeTCP(b, path)
		ours += timePeer(b, path, src)
	}
	gbps := func(d time.Duration) float64 { return float64(b.N) * rttSize * 8 / 1e9 / d.Seconds() }
	b.ReportMetric(gbps(tcp), "tcp-Gbit/s")
	b.ReportMetric(gbps(ours), "tandem-Gbit/s")
	b.ReportMetric(tcp.Seconds()/ours.Seconds(), "tandem/tcp")
}

// timeTCP sends rttSize bytes from Left to Right over one TCP connection
// and returns how long until the receiver had them all.
func timeTCP(b *testing.B, p *netlab.DelayedPath) time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	var ln net.Listener
	check(b, p.Right.Do(func() (err error) {
		ln, err = net.Listen("tcp4", net.JoinHostPort(p.RightAddr.String(), "0"))
		return err
	}))
	defer ln.Close()
	got := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err
			return
		}
		defer c.Close()
		n, err := io.Copy(io.Discard, c)
		if err == nil && n != rttSize {
			err = errors.New("tcp: short read")
		}
		got <- err
	}()
	var c net.Conn
	check(b, p.Left.Do(func() (err error) {
		c, err = net.Dial("tcp4", ln.Addr().String())
		return err
	}))
	buf := make([]byte, 1<<20)
	t0 := time.Now()
	for sent := 0; sent < rttSize; sent += len(buf) {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	check(b, c.Close())
	check(b, <-got)
	return time.Since(t0)
}

// timePeer connects a link across the path and returns how long Send took.
func timePeer(b *testing.B, p *netlab.DelayedPath, src string) time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	off, ans := nsLinks(b, p.Left, p.Right)
	dir := b.TempDir()
	a := start(b, off.Channel(peer.ChannelFile), Config{}, nil)
	start(b, ans.Channel(peer.ChannelFile), Config{Dir: dir}, accept)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t0 := time.Now()
	res, err := a.ep.Send(ctx, src)
	took := time.Since(t0)
	check(b, err)
	check(b, os.Remove(filepath.Join(dir, res.Name)))
	return took
}

// nsLinks is links with the Offerer in left and the Answerer in right.
func nsLinks(t testing.TB, left, right *netlab.NS) (off, ans *peer.Link) {
	t.Helper()
	ctx := testContext(t, 30*time.Second)
	var to [2]atomic.Pointer[peer.Link]
	mk := func(role peer.Role, other int, ns *netlab.NS) *peer.Link {
		l, err := peer.New(peer.Config{Role: role, Net: newNSNet(t, ns), Send: func(s peer.Signal) error {
			return to[other].Load().HandleSignal(ctx, s)
		}})
		check(t, err)
		t.Cleanup(func() { _ = l.Close() })
		return l
	}
	ans = mk(peer.Answerer, 0, right)
	to[1].Store(ans)
	off = mk(peer.Offerer, 1, left)
	to[0].Store(off)
	check(t, ans.Start(ctx))
	check(t, off.Start(ctx))
	_, err := off.WaitConnected(ctx)
	check(t, err)
	_, err = ans.WaitConnected(ctx)
	check(t, err)
	return off, ans
}

// nsNet is the host network as seen from inside a namespace: its
// interfaces, and sockets opened there, with the socket buffers a link
// asks for on the host's own network.
type nsNet struct {
	*stdnet.Net
	ns *netlab.NS
}

func newNSNet(t testing.TB, ns *netlab.NS) transport.Net {
	t.Helper()
	var n *stdnet.Net
	check(t, ns.Do(func() (err error) {
		n, err = stdnet.NewNet()
		return err
	}))
	return nsNet{n, ns}
}

func (n nsNet) ListenUDP(network string, laddr *net.UDPAddr) (c transport.UDPConn, err error) {
	err = n.ns.Do(func() error {
		c, err = n.Net.ListenUDP(network, laddr)
		return err
	})
	if err == nil {
		_ = c.SetReadBuffer(4 << 20)
		_ = c.SetWriteBuffer(4 << 20)
	}
	return c, err
}

func (n nsNet) ListenPacket(network, address string) (c net.PacketConn, err error) {
	err = n.ns.Do(func() error {
		c, err = n.Net.ListenPacket(network, address)
		return err
	})
	return c, err
}
