package filexfer

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/tandem-remote/tandem/internal/link/peer"
)

// benchSize is the file BenchmarkTransfer sends.
const benchSize = 256 << 20

// BenchmarkTransfer sends a 256 MiB file between two Endpoints in this
// process over real UDP on this host, once per iteration on each of two
// links, alternating so that both see the same machine load:
//
//   - baseline: pion's default settings (only the cipher policy pinned, as
//     every Tandem link has it) under a channel wrapper with peer's original
//     water marks;
//   - tuned: internal/link/peer's link as it is.
//
// It reports MB/s and Gbit/s for each, their ratio, and the UDP datagrams
// the kernel dropped for full socket buffers during each (the baseline's
// 208 KiB buffers overflow when the receiving goroutines are late, more so
// on a busy host; each drop costs SCTP a retransmission and half its
// congestion window). The timed part is
// Send: hashing the file, the offer, streaming, the receiver's fsync, hash
// check and rename.
func BenchmarkTransfer(b *testing.B) {
	src := benchFile(b)
	var base, tuned time.Duration
	var baseDrops, tunedDrops int
	for b.Loop() {
		d := udpDrops()
		base += timeTransfer(b, src, baselineConns)
		baseDrops += udpDrops() - d
		d = udpDrops()
		tuned += timeTransfer(b, src, peerConns)
		tunedDrops += udpDrops() - d
	}
	mbps := func(d time.Duration) float64 { return float64(b.N) * benchSize / 1e6 / d.Seconds() }
	b.ReportMetric(mbps(base), "baseline-MB/s")
	b.ReportMetric(mbps(tuned), "tuned-MB/s")
	b.ReportMetric(mbps(base)*8/1e3, "baseline-Gbit/s")
	b.ReportMetric(mbps(tuned)*8/1e3, "tuned-Gbit/s")
	b.ReportMetric(base.Seconds()/tuned.Seconds(), "tuned/baseline")
	b.ReportMetric(float64(baseDrops)/float64(b.N), "baseline-drops/op")
	b.ReportMetric(float64(tunedDrops)/float64(b.N), "tuned-drops/op")
}

// udpDrops returns how many UDP datagrams the host's kernel has dropped
// for a full socket receive buffer (Linux; 0 elsewhere). Other programs'
// drops count too: on a quiet host they are rare.
func udpDrops() int {
	n := 0
	for _, f := range []string{"/proc/net/snmp", "/proc/net/snmp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n += rcvbufErrors(string(b))
	}
	return n
}

// rcvbufErrors finds RcvbufErrors in /proc/net/snmp (a header line and a
// value line per protocol) or Udp6RcvbufErrors in /proc/net/snmp6.
func rcvbufErrors(s string) int {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) == 2 && f[0] == "Udp6RcvbufErrors" {
			v, _ := strconv.Atoi(f[1])
			return v
		}
		if len(f) > 0 && f[0] == "Udp:" && i+1 < len(lines) {
			vals := strings.Fields(lines[i+1])
			if idx := slices.Index(f, "RcvbufErrors"); idx > 0 && idx < len(vals) && vals[0] == "Udp:" {
				v, _ := strconv.Atoi(vals[idx])
				return v
			}
		}
	}
	return 0
}

// timeTransfer connects a fresh pair of Conns, sends src over it and
// returns how long Send took.
func timeTransfer(b *testing.B, src string, conns func(testing.TB) (Conn, Conn)) time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ca, cb := conns(b)
	dir := b.TempDir()
	a := start(b, ca, Config{}, nil)
	start(b, cb, Config{Dir: dir}, accept)
	b.StartTimer()
	t0 := time.Now()
	res, err := a.ep.Send(ctx, src)
	took := time.Since(t0)
	b.StopTimer()
	check(b, err)
	check(b, os.Remove(filepath.Join(dir, res.Name)))
	return took
}

// benchFile writes benchSize pseudo-random bytes once.
func benchFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.bin")
	f, err := os.Create(path)
	check(b, err)
	defer f.Close()
	r := rand.NewChaCha8([32]byte{1})
	buf := make([]byte, 1<<20)
	for range benchSize / len(buf) {
		_, _ = r.Read(buf)
		_, err := f.Write(buf)
		check(b, err)
	}
	return path
}

func peerConns(t testing.TB) (Conn, Conn) {
	off, ans := links(t)
	return off.Channel(peer.ChannelFile), ans.Channel(peer.ChannelFile)
}

// baselineConns connects two PeerConnections with pion's defaults and
// returns their negotiated "file" channels.
func baselineConns(t testing.TB) (Conn, Conn) {
	t.Helper()
	ctx := testContext(t, 30*time.Second)
	var se webrtc.SettingEngine
	se.SetDTLSCipherSuites(peer.DTLSCipherSuite)
	se.SetSRTPProtectionProfiles(peer.SRTPProfile)
	se.SetDTLSExtendedMasterSecret(dtls.RequireExtendedMasterSecret)
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se))
	pcs, chans := [2]*webrtc.PeerConnection{}, [2]*rawConn{}
	for i := range pcs {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		check(t, err)
		t.Cleanup(func() { _ = pc.Close() })
		negotiated, id := true, uint16(2)
		dc, err := pc.CreateDataChannel(peer.ChannelFile, &webrtc.DataChannelInit{Negotiated: &negotiated, ID: &id})
		check(t, err)
		pcs[i], chans[i] = pc, newRawConn(dc)
	}
	check(t, exchange(pcs[0], pcs[1]))
	for _, c := range chans {
		select {
		case <-c.open:
		case <-ctx.Done():
			t.Fatal("baseline channel did not open")
		}
	}
	return chans[0], chans[1]
}

// exchange runs a non-trickle offer/answer between a and b.
func exchange(a, b *webrtc.PeerConnection) error {
	gathered := func(pc *webrtc.PeerConnection, sd webrtc.SessionDescription) (*webrtc.SessionDescription, error) {
		done := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(sd); err != nil {
			return nil, err
		}
		<-done
		return pc.LocalDescription(), nil
	}
	offer, err := a.CreateOffer(nil)
	if err != nil {
		return err
	}
	o, err := gathered(a, offer)
	if err != nil {
		return err
	}
	if err := b.SetRemoteDescription(*o); err != nil {
		return err
	}
	answer, err := b.CreateAnswer(nil)
	if err != nil {
		return err
	}
	an, err := gathered(b, answer)
	if err != nil {
		return err
	}
	return a.SetRemoteDescription(*an)
}

// rawConn is peer.Channel as it was before tuning (1 MiB / 256 KiB water
// marks, 256 queued messages), over a bare pion data channel.
type rawConn struct {
	dc     *webrtc.DataChannel
	open   chan struct{}
	closed chan struct{}
	low    chan struct{}
	recv   chan []byte
}

var errRawClosed = errors.New("baseline channel closed")

func newRawConn(dc *webrtc.DataChannel) *rawConn {
	c := &rawConn{dc: dc, open: make(chan struct{}), closed: make(chan struct{}),
		low: make(chan struct{}, 1), recv: make(chan []byte, 256)}
	dc.SetBufferedAmountLowThreshold(256 << 10)
	dc.OnBufferedAmountLow(func() {
		select {
		case c.low <- struct{}{}:
		default:
		}
	})
	dc.OnOpen(func() { close(c.open) })
	dc.OnClose(func() { close(c.closed) })
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		select {
		case c.recv <- m.Data:
		case <-c.closed:
		}
	})
	return c
}

func (c *rawConn) Send(ctx context.Context, p []byte) error {
	waited := false
	for c.dc.BufferedAmount() > 1<<20 {
		select {
		case <-c.low:
			waited = true
		case <-c.closed:
			return errRawClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if waited { // pass the wake-up on (see peer.Channel.Send)
		select {
		case c.low <- struct{}{}:
		default:
		}
	}
	return c.dc.Send(p)
}

func (c *rawConn) Recv(ctx context.Context) ([]byte, error) {
	select {
	case m := <-c.recv:
		return m, nil
	case <-c.closed:
		return nil, errRawClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
