package peer

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/tandem-remote/tandem/internal/testkit/netlab"
)

// rtoCandidates are the SCTP RTO caps the loss benchmarks compare, in one
// run: 0 is the link's own setting, the others override it.
var rtoCandidates = []time.Duration{0, 3 * time.Second, 2 * time.Second, time.Second, 750 * time.Millisecond, 500 * time.Millisecond, 250 * time.Millisecond}

// rtoName names a candidate in a sub-benchmark.
func rtoName(rtoMax time.Duration) string {
	if rtoMax == 0 {
		return "rto-max=link"
	}
	return fmt.Sprintf("rto-max=%v", rtoMax)
}

// rtoTweak sets SCTP's RTO cap; nil for the link's own.
func rtoTweak(rtoMax time.Duration) func(*webrtc.SettingEngine) {
	if rtoMax == 0 {
		return nil
	}
	return func(se *webrtc.SettingEngine) { se.SetSCTPRTOMax(rtoMax) }
}

// BenchmarkInputUnderLoss: a key's round trip on "input" (the technician
// sends, the agent echoes at once) across a 20 ms round-trip path, with
// and without 10 % random loss each way, and with and without a file
// streaming on "file" in the same association meanwhile, for each RTO cap
// in rtoCandidates. All cases run on one path in one run; the loss-free,
// idle one is the baseline. Reports p50/p95/max of the key's round trip
// (half of it is the key's delay to the agent). pion/sctp computes the
// timeout as min(max(srtt+4 rttvar, 1 s), cap) and doubles it, up to the
// cap, on every timeout in a row.
func BenchmarkInputUnderLoss(b *testing.B) {
	netlab.Require(b)
	path := netlab.NewDelayedPath(b, 10*time.Millisecond)
	for _, rtoMax := range rtoCandidates {
		for _, loss := range []float64{0, 0.10} {
			for _, file := range []bool{false, true} {
				name := fmt.Sprintf("%s/loss=%g%%/file=%v", rtoName(rtoMax), 100*loss, file)
				b.Run(name, func(b *testing.B) {
					drop := setLoss(b, path, loss)
					var rtts []time.Duration
					for b.Loop() {
						b.StopTimer()
						rtts = append(rtts, keysOnce(b, path, file, rtoTweak(rtoMax))...)
						b.StartTimer()
					}
					drop()
					reportKeys(b, "key-rtt", rtts)
				})
			}
		}
	}
}

// reportKeys reports p50/p95/max of ds in milliseconds as what-p50-ms
// and so on.
func reportKeys(b *testing.B, what string, ds []time.Duration) {
	slices.Sort(ds)
	q := func(f float64) float64 { return float64(ds[int(f*float64(len(ds)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), what+"-p50-ms")
	b.ReportMetric(q(0.95), what+"-p95-ms")
	b.ReportMetric(q(1), what+"-max-ms")
}

// BenchmarkRTOLongPath streams a file for 10 s across a 300 ms and a
// 600 ms round-trip path (an intercontinental relay, a geostationary
// satellite hop) for each RTO cap in rtoCandidates, in one run, at 0 and
// 2 % loss each way. A cap below the path's round trip fires before the
// acknowledgement can come back: every such timeout resends what is in
// flight and drops SCTP's congestion window to one packet. Reports the
// goodput, its ratio against the link's own setting on the same path at
// the same loss, and the sender's wire overhead (SCTP bytes sent per byte
// delivered: retransmissions, spurious or not, raise it).
func BenchmarkRTOLongPath(b *testing.B) {
	netlab.Require(b)
	for _, oneWay := range []time.Duration{150 * time.Millisecond, 300 * time.Millisecond} {
		path := netlab.NewDelayedPath(b, oneWay)
		base := map[float64]float64{}
		for _, loss := range []float64{0, 0.02} {
			for _, rtoMax := range rtoCandidates {
				name := fmt.Sprintf("rtt=%v/loss=%g%%/%s", 2*oneWay, 100*loss, rtoName(rtoMax))
				b.Run(name, func(b *testing.B) {
					drop := setLoss(b, path, loss)
					var delivered, sent uint64
					var took time.Duration
					for b.Loop() {
						d, s, t := streamFor(b, path, rtoTweak(rtoMax), 10*time.Second)
						delivered, sent, took = delivered+d, sent+s, took+t
					}
					drop()
					mbps := float64(delivered) * 8 / 1e6 / took.Seconds()
					if rtoMax == 0 {
						base[loss] = mbps
					}
					b.ReportMetric(mbps, "file-Mbit/s")
					b.ReportMetric(mbps/base[loss], "vs-link")
					b.ReportMetric(float64(sent)/float64(delivered), "sent/delivered")
				})
			}
		}
	}
}

// streamFor connects a pair across path, streams a file for d and
// returns the bytes delivered, the bytes SCTP sent for them, and the time
// measured.
func streamFor(b *testing.B, path *netlab.DelayedPath, tweak func(*webrtc.SettingEngine), d time.Duration) (delivered, sent uint64, took time.Duration) {
	b.StopTimer()
	defer b.StartTimer()
	ctx := testContext(b, 5*time.Minute)
	p := newPairTweaked(b, Config{Net: path.Left.Net(b)}, Config{Net: path.Right.Net(b)}, nil, tweak, tweak)
	p.connect(ctx, b)
	defer func() { check(b, p.off.Close()); check(b, p.ans.Close()) }()
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	var got atomic.Uint64
	go streamFile(fctx, p.off.Channel(ChannelFile), p.ans.Channel(ChannelFile), &got)
	time.Sleep(2 * time.Second) // past slow start
	st0, got0, t0 := p.off.pc.SCTP().Stats(), got.Load(), time.Now()
	time.Sleep(d)
	st1, got1 := p.off.pc.SCTP().Stats(), got.Load()
	return got1 - got0, st1.BytesSent - st0.BytesSent, time.Since(t0)
}

// setLoss makes both ends of path drop share p of what they receive, and
// returns what takes the rules away.
func setLoss(b testing.TB, path *netlab.DelayedPath, p float64) func() {
	if p == 0 {
		return func() {}
	}
	rule := []string{"INPUT", "-i", "tun0", "-m", "statistic", "--mode", "random",
		"--probability", fmt.Sprint(p), "-j", "DROP"}
	for _, ns := range []*netlab.NS{path.Left, path.Right} {
		ns.IPTables(append([]string{"-I"}, rule...)...)
	}
	return func() {
		for _, ns := range []*netlab.NS{path.Left, path.Right} {
			ns.IPTables(append([]string{"-D"}, rule...)...)
		}
	}
}

// keysOnce connects a pair across path (tweak, if not nil, adjusting both
// sides), sends 100 keys 50 ms apart (with a file streaming when file is
// set) and returns their round trips.
func keysOnce(b testing.TB, path *netlab.DelayedPath, file bool, tweak func(*webrtc.SettingEngine)) []time.Duration {
	ctx := testContext(b, 5*time.Minute)
	// Without the express lane: this measures SCTP.
	p := newPairTweaked(b, Config{Net: path.Left.Net(b), noExpress: true}, Config{Net: path.Right.Net(b), noExpress: true}, nil, tweak, tweak)
	p.connect(ctx, b)
	defer func() { check(b, p.off.Close()); check(b, p.ans.Close()) }()
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	if file {
		go streamFile(fctx, p.off.Channel(ChannelFile), p.ans.Channel(ChannelFile), nil)
		time.Sleep(time.Second) // the stream fills the path
	}
	go echoKeys(fctx, p.ans.Channel(ChannelInput))
	in := p.off.Channel(ChannelInput)
	var rtts []time.Duration
	for i := range 100 {
		key := binary.BigEndian.AppendUint64(nil, uint64(i))
		sent := time.Now()
		check(b, in.Send(ctx, key))
		for {
			m, err := in.Recv(ctx)
			check(b, err)
			if binary.BigEndian.Uint64(m) == uint64(i) {
				break
			}
		}
		rtts = append(rtts, time.Since(sent))
		time.Sleep(50 * time.Millisecond)
	}
	return rtts
}

// streamFile sends 64 KiB messages from src to dst until ctx ends,
// counting what dst receives in got (if not nil).
func streamFile(ctx context.Context, src, dst *Channel, got *atomic.Uint64) {
	go func() {
		for {
			m, err := dst.Recv(ctx)
			if err != nil {
				return
			}
			if got != nil {
				got.Add(uint64(len(m)))
			}
		}
	}()
	msg := make([]byte, 64<<10)
	for src.Send(ctx, msg) == nil {
	}
}

// echoKeys sends back every message ch receives until ctx ends.
func echoKeys(ctx context.Context, ch *Channel) {
	for {
		m, err := ch.Recv(ctx)
		if err != nil || ch.Send(ctx, m) != nil {
			return
		}
	}
}

// BenchmarkKeyDelayUnderLoss measures a key's delay to the agent (one
// way: both ends are in this process) over a 20 ms round-trip path, with
// 100 keys 50 ms apart, by the express lane (express.go) and by the input
// data channel (what an older agent gets), with no file, a file streaming
// to the agent, or one streaming to the technician, loss-free and at 10 %
// random loss each way, all in one run. Reports p50/p95/max of the delay
// and, for the lane, its p95 against the channel's in the same case.
func BenchmarkKeyDelayUnderLoss(b *testing.B) {
	netlab.Require(b)
	path := netlab.NewDelayedPath(b, 10*time.Millisecond)
	channelP95 := map[string]float64{}
	for _, loss := range []float64{0, 0.10} {
		for _, file := range []string{"none", "to-agent", "to-technician"} {
			for _, lane := range []bool{false, true} {
				via := map[bool]string{false: "channel", true: "lane"}[lane]
				key := fmt.Sprintf("loss=%g%%/file=%s", 100*loss, file)
				b.Run(key+"/via="+via, func(b *testing.B) {
					drop := setLoss(b, path, loss)
					var delays []time.Duration
					for b.Loop() {
						b.StopTimer()
						delays = append(delays, keyDelaysOnce(b, path, file, lane)...)
						b.StartTimer()
					}
					drop()
					reportKeys(b, "key-delay", delays)
					slices.Sort(delays)
					p95 := float64(delays[int(0.95*float64(len(delays)-1))].Microseconds()) / 1000
					if !lane {
						channelP95[key] = p95
					} else if c := channelP95[key]; c > 0 {
						b.ReportMetric(p95/c, "p95-vs-channel")
					}
				})
			}
		}
	}
}

// keyDelaysOnce connects a pair across path, streams a file in the
// direction file names (or none), sends 100 keys 50 ms apart from the
// technician (Offerer) by the lane or the input channel, and returns each
// key's delay until the agent's Recv returned it.
func keyDelaysOnce(b testing.TB, path *netlab.DelayedPath, file string, lane bool) []time.Duration {
	ctx := testContext(b, 5*time.Minute)
	p := newPair(b, Config{Net: path.Left.Net(b), noExpress: !lane}, Config{Net: path.Right.Net(b), noExpress: !lane}, nil)
	p.connect(ctx, b)
	defer func() { check(b, p.off.Close()); check(b, p.ans.Close()) }()
	if p.off.Lane() != lane {
		b.Fatalf("lane negotiated: %v, want %v", p.off.Lane(), lane)
	}
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	switch file {
	case "to-agent":
		go streamFile(fctx, p.off.Channel(ChannelFile), p.ans.Channel(ChannelFile), nil)
	case "to-technician":
		go streamFile(fctx, p.ans.Channel(ChannelFile), p.off.Channel(ChannelFile), nil)
	}
	if file != "none" {
		time.Sleep(time.Second) // the stream fills the path
	}
	const n = 100
	sent := make([]time.Time, n)
	var mu sync.Mutex
	go func() {
		for i := range n {
			msg := binary.BigEndian.AppendUint64(nil, uint64(i))
			mu.Lock()
			sent[i] = time.Now()
			mu.Unlock()
			if p.off.Channel(ChannelInput).Send(fctx, msg) != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	in := p.ans.Channel(ChannelInput)
	delays := make([]time.Duration, 0, n)
	for range n {
		m, err := in.Recv(ctx)
		check(b, err)
		i := binary.BigEndian.Uint64(m)
		mu.Lock()
		delays = append(delays, time.Since(sent[i]))
		mu.Unlock()
	}
	return delays
}
