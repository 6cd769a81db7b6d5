package e2e

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
)

// TestHelpChatSurvivesRestart: a web chat open while the signaling server
// is restarted (an upgrade) carries on. The customer's page, polling again
// with its conversation's id and key, gets the message it sent before,
// its message resent after the restart is not doubled, and a new one goes
// through (the unit test helpdesk.TestKeptAcrossRestart checks the queue).
func TestHelpChatSurvivesRestart(t *testing.T) {
	b := binaries(t)
	data := t.TempDir()
	addr := "127.0.0.1:" + freePort(t)
	run := func() *proc { t.Helper(); s, _ := serveOn(t, b, addr, data); return s }
	first := run()
	roots, err := certs.Pool(filepath.Join(data, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	post := func(path string, body any, out any) int {
		t.Helper()
		raw, _ := json.Marshal(body)
		resp, err := hc.Post("https://"+addr+path, "application/json", bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer resp.Body.Close()
		if out != nil {
			json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	var conv struct{ ID, Key string }
	if st := post("/v1/desk/visit", map[string]string{"name": "Eve", "topic": "l'imprimante", "lang": "fr"}, &conv); st != 200 || conv.ID == "" {
		t.Fatalf("visit: %d %+v", st, conv)
	}
	type sent struct{ Seq int64 }
	var s1 sent
	if st := post("/v1/desk/send", map[string]any{"id": conv.ID, "key": conv.Key, "cid": "c1", "text": "bonjour, elle n'imprime plus"}, &s1); st != 200 || s1.Seq == 0 {
		t.Fatalf("send before the restart: %d %+v", st, s1)
	}

	first.cmd.Process.Signal(syscall.SIGTERM)
	if st := first.wait(t, 20*time.Second); st != 0 {
		t.Fatalf("signaling stopped with status %d\n%s", st, first.stderr.String())
	}
	second := run()
	var polled struct {
		Events []struct {
			Type, Text, CID string
			Seq             int64
		}
	}
	if st := post("/v1/desk/poll", map[string]any{"id": conv.ID, "key": conv.Key, "after": 0}, &polled); st != 200 {
		t.Fatalf("poll after the restart: %d (the conversation is gone)\n%s", st, second.stderr.String())
	}
	if len(polled.Events) != 1 || polled.Events[0].Text != "bonjour, elle n'imprime plus" || polled.Events[0].Seq != s1.Seq {
		t.Fatalf("events after the restart: %+v", polled.Events)
	}
	var again, s2 sent
	post("/v1/desk/send", map[string]any{"id": conv.ID, "key": conv.Key, "cid": "c1", "text": "bonjour, elle n'imprime plus"}, &again)
	if again.Seq != s1.Seq {
		t.Errorf("the message resent after the restart got seq %d, want its first %d", again.Seq, s1.Seq)
	}
	if st := post("/v1/desk/send", map[string]any{"id": conv.ID, "key": conv.Key, "cid": "c2", "text": "toujours là ?"}, &s2); st != 200 || s2.Seq != s1.Seq+1 {
		t.Errorf("send after the restart: %d %+v", st, s2)
	}
	if st := post("/v1/desk/poll", map[string]any{"id": conv.ID, "key": "wrong", "after": 0}, nil); st != 404 {
		t.Errorf("a wrong key after the restart: %d, want 404", st)
	}
}
