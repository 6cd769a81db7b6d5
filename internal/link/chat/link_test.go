package chat

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// links connects two peer links in this process over loopback, signals
// passed directly, and closes them at cleanup.
func links(t *testing.T, ctx context.Context) (off, ans *peer.Link) {
	t.Helper()
	var to [2]atomic.Pointer[peer.Link]
	mk := func(role peer.Role, other int) *peer.Link {
		l, err := peer.New(peer.Config{Role: role, IncludeLoopback: true, Send: func(s peer.Signal) error {
			return to[other].Load().HandleSignal(ctx, s)
		}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Close() })
		return l
	}
	ans = mk(peer.Answerer, 0)
	to[1].Store(ans)
	off = mk(peer.Offerer, 1)
	to[0].Store(off)
	for _, step := range []func() error{
		func() error { return ans.Start(ctx) },
		func() error { return off.Start(ctx) },
		func() error { _, err := off.WaitConnected(ctx); return err },
		func() error { _, err := ans.WaitConnected(ctx); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return off, ans
}

// TestOverPeerLink chats over a real link's chat channel and checks that
// both sides' Run end cleanly when one side closes the link.
func TestOverPeerLink(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	off, ans := links(t, ctx)
	tech := New(off.Channel(peer.ChannelChat), "technician", Options{})
	cust := New(ans.Channel(peer.ChannelChat), "customer", Options{})
	techDone, custDone := running(ctx, tech), running(ctx, cust)

	sent, err := tech.Send(ctx, "Hello from the technician")
	if err != nil {
		t.Fatal(err)
	}
	if got := receive(t, cust); got.Text != sent.Text || got.From != "technician" || !got.Sent.Equal(sent.Sent) {
		t.Fatalf("customer got %+v; want %+v", got, sent)
	}
	reply, err := cust.Send(ctx, "Hello back")
	if err != nil {
		t.Fatal(err)
	}
	if got := receive(t, tech); got.Text != reply.Text || got.From != "customer" {
		t.Fatalf("technician got %+v; want %+v", got, reply)
	}

	// The technician hangs up: both sides' Run end without an error.
	if err := off.Close(); err != nil {
		t.Fatal(err)
	}
	if err := techDone(); err != nil {
		t.Errorf("technician's Run after closing its link = %v; want nil", err)
	}
	if err := custDone(); err != nil {
		t.Errorf("customer's Run after the technician closed the link = %v; want nil", err)
	}
}
