package peer

import (
	"context"
	"testing"
	"time"
)

// BenchmarkConnect measures join to "control" open on both sides, two links
// in one process over real UDP on this host.
func BenchmarkConnect(b *testing.B) {
	cfg := Config{IncludeLoopback: true}
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		p := newPair(b, cfg, cfg, nil)
		p.connect(ctx, b)
		b.StopTimer()
		_ = p.off.Close()
		_ = p.ans.Close()
		cancel()
		b.StartTimer()
	}
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
