package peer

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/tandem-remote/tandem/internal/testkit/netlab"
)

// BenchmarkInputUnderLoss: a key's round trip on "input" (the technician
// sends, the agent echoes at once) across a 20 ms round-trip path, with
// and without 10 % random loss each way, and with and without a file
// streaming on "file" in the same association meanwhile. All four cases
// run on one path in one run, so the loss-free, idle one is the baseline.
// Reports p50/p95/max of the key's round trip (half of it is the key's
// delay to the agent). The rto-max rows cap SCTP's retransmission timeout.
func BenchmarkInputUnderLoss(b *testing.B) {
	netlab.Require(b)
	path := netlab.NewDelayedPath(b, 10*time.Millisecond)
	for _, c := range []struct {
		loss   float64
		file   bool
		rtoMax time.Duration // 0: the link's own
	}{{0, false, 0}, {0, true, 0}, {0.10, false, 0}, {0.10, true, 0},
		{0.10, false, 250 * time.Millisecond}, {0.10, true, 250 * time.Millisecond}} {
		name := fmt.Sprintf("loss=%g%%/file=%v", 100*c.loss, c.file)
		if c.rtoMax > 0 {
			name += fmt.Sprintf("/rto-max=%v", c.rtoMax)
		}
		b.Run(name, func(b *testing.B) {
			drop := setLoss(b, path, c.loss)
			var rtts []time.Duration
			for b.Loop() {
				rtts = append(rtts, keysOnce(b, path, c.file, c.rtoMax)...)
			}
			drop()
			slices.Sort(rtts)
			q := func(f float64) float64 { return float64(rtts[int(f*float64(len(rtts)-1))].Microseconds()) / 1000 }
			b.ReportMetric(q(0.5), "key-rtt-p50-ms")
			b.ReportMetric(q(0.95), "key-rtt-p95-ms")
			b.ReportMetric(q(1), "key-rtt-max-ms")
		})
	}
}

// setLoss makes both ends of path drop share p of what they receive, and
// returns what takes the rules away.
func setLoss(b *testing.B, path *netlab.DelayedPath, p float64) func() {
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

// keysOnce connects a pair across path, sends 100 keys 50 ms apart (with
// a file streaming when file is set) and returns their round trips. A
// non-zero rtoMax caps SCTP's retransmission timeout below pion's fixed
// 1 s minimum (pion/sctp computes min(max(srtt+4 rttvar, 1 s), rtoMax)).
func keysOnce(b *testing.B, path *netlab.DelayedPath, file bool, rtoMax time.Duration) []time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	ctx := testContext(b, 5*time.Minute)
	var tweak func(*webrtc.SettingEngine)
	if rtoMax > 0 {
		tweak = func(se *webrtc.SettingEngine) { se.SetSCTPRTOMax(rtoMax) }
	}
	p := newPairTweaked(b, Config{Net: path.Left.Net(b)}, Config{Net: path.Right.Net(b)}, nil, tweak, tweak)
	p.connect(ctx, b)
	defer func() { check(b, p.off.Close()); check(b, p.ans.Close()) }()
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	if file {
		go streamFile(fctx, p.off.Channel(ChannelFile), p.ans.Channel(ChannelFile))
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

// streamFile sends 64 KiB messages from src to dst until ctx ends.
func streamFile(ctx context.Context, src, dst *Channel) {
	go func() {
		for {
			if _, err := dst.Recv(ctx); err != nil {
				return
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
