package agentsession

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestCustomerSendsFile: the customer sends files on their own ("Send a
// file…" in the agent's window), against the real technician side. The
// technician accepts the first: it lands in the technician's folder with
// the same SHA-256, and the panel says it was sent. It declines the
// second and leaves the third unanswered (declined once the offer
// timeout passes): nothing of either is written on the technician's side,
// and the panel says the technician declined. A fourth, withdrawn by the
// customer's Cancel while it waits for the answer, ends canceled, and the
// technician's question about it ends with it (not at its timeout).
func TestCustomerSendsFile(t *testing.T) {
	leakcheck.Check(t)
	s := newStack(t, "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	techDir := t.TempDir()
	fs := startFakeSessionWith(ctx, t, s, s.token, stop, func(c *techsession.TechnicianConfig) {
		c.Files = session.FilesConfig{Dir: techDir}
		c.OfferTimeout = time.Second // only the unanswered offer waits for it
	})
	recv(t, fs.fake.Window.Asked(), "question in the agent's window")
	if st := recv(t, fs.watch.modes, "mode state"); st.Answer != proto.AnswerAllowed {
		t.Fatalf("technician got %+v, want allowed", st)
	}
	waitPanel(ctx, t, fs, "Send a file… offered", func(st agentui.Status) bool { return st.CanSend })

	content := bytes.Repeat([]byte("event log line\n"), 20000)
	sendAs := func(name string, answer *bool) string {
		t.Helper()
		src := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(src, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if answer != nil {
			fs.watch.answers <- *answer
		}
		fs.fake.Window.Act(agentui.Action{Kind: agentui.SendFile, Path: src})
		if o := recv(t, fs.watch.offered, "the offer of "+name); o.Name != name || o.Size != int64(len(content)) {
			t.Fatalf("technician was offered %+v, want %s of %d bytes", o, name, len(content))
		}
		return recv(t, fs.watch.offerEnds, "the technician's answer to "+name).Outcome
	}
	yes, no := true, false

	if got := sendAs("events.log", &yes); got != techsession.OfferAccepted {
		t.Fatalf("first offer %s, want accepted", got)
	}
	sent := waitPanel(ctx, t, fs, "the outcome of events.log", func(st agentui.Status) bool {
		return st.Sent != nil && st.Sent.Name == "events.log" && st.Sent.Outcome != agentui.SendWaiting
	})
	if sent.Sent.Outcome != agentui.SendDone {
		t.Fatalf("panel says %+v, want events.log sent", *sent.Sent)
	}
	got, err := os.ReadFile(filepath.Join(techDir, "events.log"))
	if err != nil || sha256.Sum256(got) != sha256.Sum256(content) {
		t.Fatalf("technician's copy: %d bytes, %v; want the SHA-256 of the %d sent", len(got), err, len(content))
	}

	for _, c := range []struct {
		name   string
		answer *bool
		want   string
	}{{"declined.txt", &no, techsession.OfferDeclined}, {"unanswered.txt", nil, techsession.OfferTimedOut}} {
		if got := sendAs(c.name, c.answer); got != c.want {
			t.Fatalf("offer of %s %s, want %s", c.name, got, c.want)
		}
		st := waitPanel(ctx, t, fs, "the outcome of "+c.name, func(st agentui.Status) bool {
			return st.Sent != nil && st.Sent.Name == c.name && st.Sent.Outcome != agentui.SendWaiting
		})
		if st.Sent.Outcome != agentui.SendDeclined {
			t.Errorf("panel says %+v after %s, want declined", *st.Sent, c.want)
		}
	}
	src := filepath.Join(t.TempDir(), "withdrawn.txt")
	if err := os.WriteFile(src, content, 0o600); err != nil {
		t.Fatal(err)
	}
	fs.fake.Window.Act(agentui.Action{Kind: agentui.SendFile, Path: src})
	recv(t, fs.watch.offered, "the offer of withdrawn.txt")
	fs.fake.Window.Act(agentui.Action{Kind: agentui.CancelSend})
	st := waitPanel(ctx, t, fs, "the outcome of withdrawn.txt", func(st agentui.Status) bool {
		return st.Sent != nil && st.Sent.Name == "withdrawn.txt" && st.Sent.Outcome != agentui.SendWaiting
	})
	if st.Sent.Outcome != agentui.SendCanceled {
		t.Errorf("panel says %+v after Cancel, want canceled", *st.Sent)
	}
	// The technician's question goes with the offer, not at its timeout.
	if end := recv(t, fs.watch.offerEnds, "the end of the withdrawn offer"); end.Outcome != techsession.OfferEnded {
		t.Errorf("the technician's question about withdrawn.txt ended %q, want %q (withdrawn)", end.Outcome, techsession.OfferEnded)
	}
	if entries, _ := os.ReadDir(techDir); len(entries) != 1 {
		t.Errorf("the technician's folder holds %d entries, want only events.log", len(entries))
	}

	fs.tech.HangUp()
	if err := recv(t, fs.techDone, "technician's end"); err != nil {
		t.Errorf("technician: %v", err)
	}
	if err := recv(t, fs.agentDone, "agent's end"); err != nil {
		t.Errorf("agent: %v", err)
	}
}

// waitPanel waits until the agent's panel shows a status ok accepts, and
// returns it.
func waitPanel(ctx context.Context, t *testing.T, fs *fakeSession, what string, ok func(agentui.Status) bool) agentui.Status {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if st := fs.fake.Window.Status(); ok(st) {
			return st
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the agent's panel never showed %s", what)
		case <-tick.C:
		}
	}
}
