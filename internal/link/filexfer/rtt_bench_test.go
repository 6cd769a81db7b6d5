//go:build linux

package filexfer

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
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
//
// While the file streams, a small message on the chat channel every 20 ms
// measures what the transfer costs the link's other channels: pion's SCTP
// queues every stream's messages in one FIFO, so a chat line or a key
// waits behind whatever file data the sender has queued. chat-extra-ms is
// a message's delay beyond the path's own one-way delay (median and
// worst over all iterations).
func BenchmarkTransferRTT(b *testing.B) {
	netlab.Require(b)
	path := netlab.NewDelayedPath(b, 25*time.Millisecond)
	src := filepath.Join(b.TempDir(), "rtt.bin")
	check(b, os.WriteFile(src, make([]byte, rttSize), 0o600))
	var tcp, ours time.Duration
	var extra []time.Duration
	for b.Loop() {
		tcp += timeTCP(b, path)
		took, delays := timePeer(b, path, src)
		ours += took
		for _, d := range delays {
			extra = append(extra, d-path.Delay)
		}
	}
	gbps := func(d time.Duration) float64 { return float64(b.N) * rttSize * 8 / 1e9 / d.Seconds() }
	b.ReportMetric(gbps(tcp), "tcp-Gbit/s")
	b.ReportMetric(gbps(ours), "tandem-Gbit/s")
	b.ReportMetric(tcp.Seconds()/ours.Seconds(), "tandem/tcp")
	if len(extra) > 0 {
		slices.Sort(extra)
		ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
		b.ReportMetric(ms(extra[len(extra)/2]), "chat-extra-ms-p50")
		b.ReportMetric(ms(extra[len(extra)-1]), "chat-extra-ms-max")
	}
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

// timePeer connects a link across the path and returns how long Send took
// and how long each chat message sent meanwhile took to arrive.
func timePeer(b *testing.B, p *netlab.DelayedPath, src string) (time.Duration, []time.Duration) {
	b.StopTimer()
	defer b.StartTimer()
	off, ans := nsLinks(b, p.Left, p.Right)
	dir := b.TempDir()
	a := start(b, off.Channel(peer.ChannelFile), Config{}, nil)
	start(b, ans.Channel(peer.ChannelFile), Config{Dir: dir}, accept)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	probe := startChatProbe(ctx, off.Channel(peer.ChannelChat), ans.Channel(peer.ChannelChat))
	t0 := time.Now()
	res, err := a.ep.Send(ctx, src)
	took := time.Since(t0)
	delays := probe()
	check(b, err)
	check(b, os.Remove(filepath.Join(dir, res.Name)))
	return took, delays
}

// startChatProbe sends the send time on from every 20 ms and reads it on
// to. The function it returns stops the probe and returns each message's
// delay.
func startChatProbe(ctx context.Context, from, to *peer.Channel) func() []time.Duration {
	ctx, cancel := context.WithCancel(ctx)
	var delays []time.Duration
	read := make(chan struct{})
	go func() {
		defer close(read)
		for {
			m, err := to.Recv(ctx)
			if err != nil || len(m) != 8 {
				return
			}
			sent := time.Unix(0, int64(binary.BigEndian.Uint64(m)))
			delays = append(delays, time.Since(sent))
		}
	}()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if from.Send(ctx, binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano()))) != nil {
				return
			}
		}
	}()
	return func() []time.Duration {
		cancel()
		<-sent
		<-read
		return delays
	}
}

// nsLinks is links with the Offerer in left and the Answerer in right.
func nsLinks(t testing.TB, left, right *netlab.NS) (off, ans *peer.Link) {
	t.Helper()
	ctx := testContext(t, 30*time.Second)
	var to [2]atomic.Pointer[peer.Link]
	mk := func(role peer.Role, other int, ns *netlab.NS) *peer.Link {
		l, err := peer.New(peer.Config{Role: role, Net: ns.Net(t), Send: func(s peer.Signal) error {
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
