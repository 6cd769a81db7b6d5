package agentsession

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/filexfer"
	"github.com/tandem-remote/tandem/internal/grant"
	"github.com/tandem-remote/tandem/internal/leakcheck"
	"github.com/tandem-remote/tandem/internal/platform/platformtest"
	"github.com/tandem-remote/tandem/internal/proto"
	"github.com/tandem-remote/tandem/internal/session"
	"github.com/tandem-remote/tandem/internal/techsession"
)

// TestFilesRefusedWithoutGrant: when the operator's grant has no file
// transfer, a file the technician sends is refused at once, with the
// reason, and the customer is never asked; before, the agent drained the
// file channel and the technician's transfer waited for the session's end.
func TestFilesRefusedWithoutGrant(t *testing.T) {
	leakcheck.Check(t)
	s := newStack(t, "udp")
	op := s.admin.AddOperator("nofiles", grant.RemoteControl, grant.Chat)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fake := platformtest.New(platformtest.Options{Width: 320, Height: 240})
	watch := newTechWatch()
	techEvents, agentEvents := newEvents(), newEvents()
	stop := make(chan struct{})
	defer close(stop)
	collect(agentEvents, stop)
	tech := techsession.New(techsession.TechnicianConfig{Common: s.common(techEvents, false), Token: op.Token,
		Mode: proto.ModeControl, Events: watch.event})
	techDone, agentDone := make(chan error, 1), make(chan error, 1)
	go func() { techDone <- tech.Run(ctx) }()
	code := techEvents.next(t, "code")["code"].(string)
	collect(techEvents, stop)
	inbox := t.TempDir()
	go func() {
		agentDone <- RunAgent(ctx, AgentConfig{Common: s.common(agentEvents, false), Code: code, Platform: fake,
			Files: session.FilesConfig{Dir: inbox}})
	}()
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
	if n := len(fake.Window.Questions()); n != 1 {
		t.Errorf("the customer was asked %d questions, want only the session's", n)
	}

	tech.HangUp()
	if err := recv(t, techDone, "technician's end"); err != nil {
		t.Errorf("technician: %v", err)
	}
	if err := recv(t, agentDone, "agent's end"); err != nil {
		t.Errorf("agent: %v", err)
	}
}
