package agentsession

import (
	"context"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"testing"
	"time"
)

// BenchmarkJoin measures what a customer waits for: from the agent's start
// (dial, join with the code) to its "connected" event, which comes after
// ICE, DTLS, SCTP and one control round trip. The technician offers, as in
// the product. Reported as join-ms (mean); ns/op also counts the teardown.
func BenchmarkJoin(b *testing.B) {
	for _, bc := range []struct {
		name      string
		relayOnly bool
	}{{"direct", false}, {"relayed", true}} {
		b.Run(bc.name, func(b *testing.B) {
			s := newStack(b, "udp")
			var total time.Duration
			for b.Loop() {
				total += joinOnce(b, s, bc.relayOnly)
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "join-ms")
		})
	}
}

func joinOnce(b *testing.B, s *stack, relayOnly bool) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tech, agent := newEvents(), newEvents()
	techDone := make(chan error, 1)
	go func() {
		techDone <- techsession.New(techsession.TechnicianConfig{Common: s.common(tech, relayOnly), Token: s.token, EndAfter: time.Millisecond}).Run(ctx)
	}()
	var code string
	select {
	case m := <-tech.lines:
		code, _ = m["code"].(string)
	case <-ctx.Done():
		b.Fatal("no code")
	}
	start := time.Now()
	agentDone := make(chan error, 1)
	go func() {
		agentDone <- RunAgent(ctx, AgentConfig{Common: s.common(agent, relayOnly), Code: code})
	}()
	var took time.Duration
	for took == 0 {
		select {
		case m := <-agent.lines:
			if m["event"] == "connected" {
				took = time.Since(start)
			}
		case err := <-agentDone:
			b.Fatalf("agent ended before connecting: %v", err)
		}
	}
	if err := <-agentDone; err != nil {
		b.Fatal(err)
	}
	if err := <-techDone; err != nil {
		b.Fatal(err)
	}
	return took
}
