package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestChat: the technician's line appears in the agent's chat, the
// customer answers by typing in it (real keys), the technician hears the
// answer, and the transcript it saves holds both.
func TestChat(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	display := xvfb.Start(t, 1280, 800)
	log := filepath.Join(t.TempDir(), "chat.txt")
	s := newSession(t, srv, user, pw, display, "-mode", "view", "-say", "Bonjour, je regarde votre écran", "-chat-log", log)
	if m := s.tech.next(t, "chat"); m["from"] != "technician" {
		t.Fatalf("first chat event %v", m)
	}
	clickControl(t, display, s.control(t, "chat-input")) // the chat opened with the message
	xdo(t, display, "type", "Merci !")
	xdo(t, display, "key", "Return")
	m := s.tech.next(t, "chat")
	if m["from"] != "customer" || m["text"] != "Merci !" {
		t.Fatalf("technician heard %v, want the customer's answer", m)
	}
	s.end(t)
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"technician: Bonjour, je regarde votre écran", "customer: Merci !"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
}
