package peer

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
)

// BenchmarkConnect measures join to "control" open on both sides, two links
// in one process over real UDP on this host: "direct" over loopback host
// candidates, "relayed" relay-only through a pion/turn server on loopback.
// "relayed-pion-waits" is the baseline for "relayed": the same links with
// pion's default candidate acceptance waits put back (see acceptance.go).
func BenchmarkConnect(b *testing.B) {
	pionWaits := func(se *webrtc.SettingEngine) {
		se.SetSrflxAcceptanceMinWait(500 * time.Millisecond)
		se.SetPrflxAcceptanceMinWait(time.Second)
		se.SetRelayAcceptanceMinWait(2 * time.Second)
	}
	for _, bc := range []struct {
		name    string
		relayed bool
		tweak   func(*webrtc.SettingEngine)
	}{
		{"direct", false, nil},
		{"relayed", true, nil},
		{"relayed-pion-waits", true, pionWaits},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := Config{IncludeLoopback: true}
			if bc.relayed {
				cfg = Config{RelayOnly: true, ICEServers: loopbackRelay(b)}
			}
			var total time.Duration
			for b.Loop() {
				total += connectOnce(b, cfg, bc.tweak)
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "connect-ms")
		})
	}
}

// connectOnce builds a pair and returns how long Start took to bring both
// sides to Connected.
func connectOnce(b *testing.B, cfg Config, tweak func(*webrtc.SettingEngine)) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := newPairTweaked(b, cfg, cfg, nil, tweak, tweak)
	start := time.Now()
	p.connect(ctx, b)
	took := time.Since(start)
	b.StopTimer()
	_ = p.off.Close()
	_ = p.ans.Close()
	b.StartTimer()
	return took
}

// loopbackRelay runs a pion/turn server on 127.0.0.1 that takes TURN REST
// credentials and relays between loopback addresses, and returns its URL
// with a fresh credential.
func loopbackRelay(b *testing.B) []webrtc.ICEServer {
	b.Helper()
	pc := must(net.ListenPacket("udp4", "127.0.0.1:0"))(b)
	srv := must(turn.NewServer(turn.ServerConfig{
		Realm:       realm,
		AuthHandler: restAuth,
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            pc,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.IPv4(127, 0, 0, 1), Address: "127.0.0.1"},
			PermissionHandler:     func(net.Addr, net.IP) bool { return true }, // both peers are on loopback
		}},
	}))(b)
	b.Cleanup(func() { _ = srv.Close() })
	cred := must(issueCred())(b)
	return []webrtc.ICEServer{{
		URLs:     []string{"turn:" + pc.LocalAddr().String() + "?transport=udp"},
		Username: cred.Username, Credential: cred.Password,
	}}
}

// BenchmarkThroughput sends 64 KiB messages on "file" with Send's
// backpressure; -bench reports MB/s.
func BenchmarkThroughput(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := newPair(b, Config{IncludeLoopback: true}, Config{IncludeLoopback: true}, nil)
	p.connect(ctx, b)
	msg := make([]byte, 64<<10)
	b.SetBytes(int64(len(msg)))
	recvd := make(chan int)
	b.ResetTimer()
	go func() { // ends after b.N messages or when the link closes
		n := 0
		for ; n < b.N; n++ {
			if _, err := p.ans.Channel(ChannelFile).Recv(ctx); err != nil {
				break
			}
		}
		recvd <- n
	}()
	for range b.N {
		check(b, p.off.Channel(ChannelFile).Send(ctx, msg))
	}
	if n := <-recvd; n != b.N {
		b.Fatalf("received %d of %d messages", n, b.N)
	}
}
