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
// "tls-udp-blocked" is relayed over TLS with the relay's UDP URL given but
// silent, and so pays relayGate's head start; "tls-only", its baseline, is
// given the TLS URL alone.
func BenchmarkConnect(b *testing.B) {
	pionWaits := func(se *webrtc.SettingEngine) {
		se.SetSrflxAcceptanceMinWait(500 * time.Millisecond)
		se.SetPrflxAcceptanceMinWait(time.Second)
		se.SetRelayAcceptanceMinWait(2 * time.Second)
	}
	for _, bc := range []struct {
		name    string
		relayed string // "", "udp", "tls-only" or "tls-udp-blocked"
		tweak   func(*webrtc.SettingEngine)
	}{
		{"direct", "", nil},
		{"relayed", "udp", nil},
		{"relayed-pion-waits", "udp", pionWaits},
		{"tls-only", "tls-only", nil},
		{"tls-udp-blocked", "tls-udp-blocked", nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := Config{IncludeLoopback: true}
			switch bc.relayed {
			case "udp":
				cfg = Config{RelayOnly: true, ICEServers: loopbackRelay(b)}
			case "tls-only", "tls-udp-blocked":
				cfg = tlsRelayConfig(b, bc.relayed == "tls-udp-blocked")
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

// tlsRelayConfig is a relay-only config for a loopback relay over TLS,
// with a silent UDP relay URL before it when udpBlocked.
func tlsRelayConfig(b *testing.B, udpBlocked bool) Config {
	ca, cert := privateCA(b)
	r := startDualRelay(b, cert)
	urls := []string{"turns:" + r.tls + "?transport=tcp"}
	if udpBlocked {
		silent := must(net.ListenPacket("udp4", "127.0.0.1:0"))(b)
		b.Cleanup(func() { _ = silent.Close() })
		urls = append([]string{"turn:" + silent.LocalAddr().String() + "?transport=udp"}, urls...)
	}
	cred := must(issueCred())(b)
	return Config{RelayOnly: true, RootCAs: ca, ICEServers: []webrtc.ICEServer{{
		URLs: urls, Username: cred.Username, Credential: cred.Password,
	}}}
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
