package agentsession

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestFilesRefusedWithoutGrant: when the operator's grant has no file
// transfer, a file the technician sends is refused at once, with the
// reason, and the customer is never asked; before, the agent drained the
// file channel and the technician's transfer waited for the session's end.
// Nor does the panel offer the customer "Send a file…".
func TestFilesRefusedWithoutGrant(t *testing.T) {
	leakcheck.Check(t)
	s := newStack(t, "udp")
	op := s.admin.AddOperator("nofiles", grant.RemoteControl, grant.Chat)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	fs := startFakeSession(ctx, t, s, op.Token, stop)
	tech, fake, watch, inbox := fs.tech, fs.fake, fs.watch, fs.inbox
	recv(t, fake.Window.Asked(), "question in the agent's window")
	if st := recv(t, watch.modes, "mode state"); st.Answer != proto.AnswerAllowed {
		t.Fatalf("technician got %+v, want allowed", st)
	}

	src := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(src, []byte("printer settings"), 0o600); err != nil {
		t.Fatal(err)
	}
	tech.Send(src)
	end := recv(t, watch.ends, "end of the transfer")
	if !errors.Is(end.Err, filexfer.ErrRefused) || !strings.Contains(end.Err.Error(), "does not include file transfer") {
		t.Errorf("send without the grant ended with %v, want a refusal that says why", end.Err)
	}
	if entries, _ := os.ReadDir(inbox); len(entries) != 0 {
		t.Errorf("the inbox holds %d entries, want none", len(entries))
	}
	if fake.Window.Status().CanSend {
		t.Error("the panel offers Send a file… without file transfer in the grant")
	}
	if n := len(fake.Window.Questions()); n != 1 {
		t.Errorf("the customer was asked %d questions, want only the session's", n)
	}

	tech.HangUp()
	if err := recv(t, fs.techDone, "technician's end"); err != nil {
		t.Errorf("technician: %v", err)
	}
	if err := recv(t, fs.agentDone, "agent's end"); err != nil {
		t.Errorf("agent: %v", err)
	}
}
