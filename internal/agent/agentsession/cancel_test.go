package agentsession

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestCustomerCancelsTransfer: the Cancel the panel shows beside a file
// coming in stops it: the technician's send ends with
// filexfer.ErrCanceled, the line leaves the panel and nothing of the file
// is left in the customer's folder. (The panel offered Cancel before, but
// the agent dropped the action.)
func TestCustomerCancelsTransfer(t *testing.T) {
	leakcheck.Check(t)
	s := newStack(t, "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	fs := startFakeSession(ctx, t, s, s.token, stop)
	recv(t, fs.fake.Window.Asked(), "question in the agent's window")
	if st := recv(t, fs.watch.modes, "mode state"); st.Answer != proto.AnswerAllowed {
		t.Fatalf("technician got %+v, want allowed", st)
	}

	// Large enough that it is still coming in when the customer cancels.
	src := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(src, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(src, 256<<20); err != nil {
		t.Fatal(err)
	}
	fs.tech.Send(src)
	p := panelTransfer(ctx, t, fs, func(p filexfer.Progress) bool { return p.Done > 0 })
	if !p.Incoming || p.Name != "big.bin" || p.ID == 0 {
		t.Fatalf("panel shows %+v, want big.bin coming in, with an ID for Cancel", p)
	}
	fs.fake.Window.Act(agentui.Action{Kind: agentui.CancelTransfer, Transfer: p.ID})
	if end := recv(t, fs.watch.ends, "end of the transfer"); !errors.Is(end.Err, filexfer.ErrCanceled) {
		t.Fatalf("send ended with %v, want ErrCanceled", end.Err)
	}
	if n := len(fs.fake.Window.Status().Transfers); n != 0 {
		t.Errorf("the panel still lists %d transfers", n)
	}
	if entries, _ := os.ReadDir(fs.inbox); len(entries) != 0 {
		t.Errorf("the customer's folder holds %s after the cancel", entries[0].Name())
	}

	fs.tech.HangUp()
	if err := recv(t, fs.techDone, "technician's end"); err != nil {
		t.Errorf("technician: %v", err)
	}
	if err := recv(t, fs.agentDone, "agent's end"); err != nil {
		t.Errorf("agent: %v", err)
	}
}

// panelTransfer waits until the agent's panel lists a transfer that ok
// accepts, and returns it.
func panelTransfer(ctx context.Context, t *testing.T, fs *fakeSession, ok func(filexfer.Progress) bool) filexfer.Progress {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, p := range fs.fake.Window.Status().Transfers {
			if ok(p) {
				return p
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("no such transfer on the agent's panel")
		case <-tick.C:
		}
	}
}
