package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestEitherSideOffers shows that nothing but Config.Role decides who
// offers: with the agent's network on either side, all four channels carry
// messages both ways.
func TestEitherSideOffers(t *testing.T) {
	for _, agentOffers := range []bool{false, true} {
		t.Run(fmt.Sprintf("agent offers=%v", agentOffers), func(t *testing.T) {
			checkLeaks(t)
			w := newWorld(t, worldSpec{nat0: portRestrict, nat1: fullCone})
			ctx := testContext(t, 30*time.Second)
			tech, agent := Config{Net: w.net0, ICEServers: iceServers(t)}, Config{Net: w.net1, ICEServers: iceServers(t)}
			if agentOffers {
				tech, agent = agent, tech
			}
			p := newPair(t, tech, agent, nil)
			p.connect(ctx, t)
			for _, name := range channelIDs {
				echo(ctx, t, p.off.Channel(name), p.ans.Channel(name))
				echo(ctx, t, p.ans.Channel(name), p.off.Channel(name))
			}
		})
	}
}

func echo(ctx context.Context, t *testing.T, from, to *Channel) {
	t.Helper()
	msg := []byte("hello on " + from.Name())
	check(t, from.Send(ctx, msg))
	got, err := to.Recv(ctx)
	check(t, err)
	if !bytes.Equal(got, msg) || to.Name() != from.Name() {
		t.Fatalf("%s received %q, want %q", to.Name(), got, msg)
	}
}

// TestCloseReachesRemoteAndRelay closes one side of a relayed link: the
// other side's Done fires with ErrRemoteClosed, its channels close, and the
// relay ends with no allocation left.
func TestCloseReachesRemoteAndRelay(t *testing.T) {
	for _, closer := range []Role{Offerer, Answerer} {
		t.Run(closer.String()+" closes", func(t *testing.T) {
			checkLeaks(t)
			w := newWorld(t, worldSpec{nat0: fullCone, sameLAN: true})
			ctx := testContext(t, 30*time.Second)
			cfg := Config{Net: w.net0, ICEServers: iceServers(t), RelayOnly: true}
			b := cfg
			b.Net = w.net1
			p := newPair(t, cfg, b, nil)
			p.connect(ctx, t)
			if n := w.relay.AllocationCount(); n == 0 {
				t.Fatal("relayed link holds no allocation")
			}
			local, remote := p.off, p.ans
			if closer == Answerer {
				local, remote = remote, local
			}
			check(t, local.Close())
			waitDone(ctx, t, remote)
			if !errors.Is(remote.Err(), ErrRemoteClosed) {
				t.Errorf("remote ended with %v, want %v", remote.Err(), ErrRemoteClosed)
			}
			if _, err := remote.Channel(ChannelControl).Recv(ctx); !errors.Is(err, ErrChannelClosed) {
				t.Errorf("remote control channel: %v, want %v", err, ErrChannelClosed)
			}
			check(t, remote.Close())
			waitFor(ctx, t, "relay allocations released", func() bool { return w.relay.AllocationCount() == 0 })
		})
	}
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
