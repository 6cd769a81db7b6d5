package techscript

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/tandem-remote/tandem/internal/link/chat"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
)

// TestTypesAfterFirstFrame: the script's pointer moves and text go to the
// session only once the first frame arrived, and the report says how many
// input events were sent.
func TestTypesAfterFirstFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		sc := Script{Moves: []input.Event{{Type: input.PointerMove, X: 10, Y: 20}}, Type: "ok"}
		d := New(sc, session.NewReporter(&out, true), nil)
		events := d.Events(nil)
		stop := d.Start(techsession.New(techsession.TechnicianConfig{}))
		defer stop()
		synctest.Wait()
		if out.Len() != 0 {
			t.Fatalf("before the first frame the script reported %q", out.String())
		}
		events(techsession.FrameEvent{})
		synctest.Wait()
		var ev struct {
			Event  string
			Events int
		}
		want := 1 + len(input.TextEvents("ok"))
		if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &ev); err != nil || ev.Event != "input-sent" || ev.Events != want {
			t.Fatalf("report %q, want one input-sent event of %d events", out.String(), want)
		}
	})
}

// TestChatLog: every chat message, sent or received, is in the transcript
// saved when the script stops.
func TestChatLog(t *testing.T) {
	log := filepath.Join(t.TempDir(), "chat.txt")
	d := New(Script{ChatLog: log}, session.NewReporter(&bytes.Buffer{}, true), nil)
	events := d.Events(nil)
	stop := d.Start(techsession.New(techsession.TechnicianConfig{}))
	events(techsession.ChatEvent{Message: chat.Message{ID: 1, From: "technician", Text: "Bonjour"}})
	events(techsession.ChatEvent{Message: chat.Message{ID: 1, From: "customer", Text: "Merci !"}})
	stop()
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"technician: Bonjour", "customer: Merci !"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
}
