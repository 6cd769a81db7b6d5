package helpdesk

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// wireLog records the bytes of one scripted conversation.
type wireLog struct {
	t  *testing.T
	td *testDesk
	b  strings.Builder
}

func (w *wireLog) line(who, dir string, b []byte) {
	fmt.Fprintf(&w.b, "%s %s %s\n", who, dir, strings.TrimSuffix(string(b), "\n"))
}

// text is the log with each visit's random id and key replaced by
// ID1, KEY1, ID2, ...
func (w *wireLog) text(visits ...chatwire.Visited) string {
	s := w.b.String()
	for i, v := range visits {
		s = strings.ReplaceAll(s, v.ID, fmt.Sprintf("ID%d", i+1))
		s = strings.ReplaceAll(s, v.Key, fmt.Sprintf("KEY%d", i+1))
	}
	return s
}

// post sends body to path and logs both ways.
func (w *wireLog) post(path string, body any) []byte {
	w.t.Helper()
	b, _ := json.Marshal(body)
	w.line("page", "> POST "+path, b)
	resp, err := w.td.srv.Client().Post(w.td.srv.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	w.line("page", fmt.Sprintf("< %d", resp.StatusCode), out)
	return out
}

func (w *wireLog) send(who string, c *websocket.Conn, v any) {
	w.t.Helper()
	b, _ := json.Marshal(v)
	w.line(who, ">", b)
	if err := c.Write(context.Background(), websocket.MessageText, b); err != nil {
		w.t.Fatal(err)
	}
}

// recv logs the next n frames on c.
func (w *wireLog) recv(who string, c *websocket.Conn, n int) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range n {
		_, b, err := c.Read(ctx)
		if err != nil {
			w.t.Fatalf("%s: waiting for a frame: %v", who, err)
		}
		w.line(who, "<", b)
	}
}

// TestWireTranscript pins the bytes the hub really sends and takes, on
// both the page's and the desk's side, through one whole conversation:
// the page's JavaScript and older technicians read them as they are, so a
// renamed field fails here (refresh with -update only for a change the
// page and the desk both follow).
func TestWireTranscript(t *testing.T) {
	td := start(t, nil)
	w := &wireLog{t: t, td: td}
	var v chatwire.Visited
	json.Unmarshal(w.post("/v1/desk/visit", chatwire.Visit{Name: "Marie", Topic: "printer", Lang: "fr"}), &v)
	desk := td.operator(t, "alice-token")
	w.recv("desk", desk, 1) // queue
	page := td.customer(t, v, 0)
	w.send("desk", desk, chatwire.DeskRequest{Type: chatwire.RequestPick, Conversation: v.ID})
	w.recv("desk", desk, 3) // history, assigned, queue
	w.recv("page", page, 1) // assigned
	w.send("page", page, chatwire.PageFrame{Type: chatwire.FrameSend, CID: "c-1", Text: "Bonjour <3"})
	w.recv("page", page, 1)
	w.recv("desk", desk, 1)
	w.send("desk", desk, chatwire.DeskRequest{Type: chatwire.RequestSend, Conversation: v.ID, Text: "Bonjour Marie"})
	w.recv("desk", desk, 1)
	w.recv("page", page, 1)
	w.send("desk", desk, chatwire.DeskRequest{Type: chatwire.RequestTyping, Conversation: v.ID})
	w.recv("page", page, 1)
	w.send("page", page, chatwire.PageFrame{Type: chatwire.FrameTyping})
	w.recv("desk", desk, 1)
	w.send("page", page, chatwire.PageFrame{Type: "shout"})
	w.recv("page", page, 1)
	w.send("desk", desk, chatwire.DeskRequest{Type: chatwire.RequestInvite, Conversation: v.ID, Code: "222222222"})
	w.recv("desk", desk, 1) // another operator's session
	w.post("/v1/desk/send", chatwire.PageFrame{ID: v.ID, Key: v.Key, CID: "c-2", Text: "merci"})
	w.recv("desk", desk, 1)
	w.post("/v1/desk/poll", chatwire.PageFrame{ID: v.ID, Key: v.Key, After: 3})
	w.post("/v1/desk/send", chatwire.PageFrame{ID: v.ID, Key: "wrong", Text: "x"})
	w.send("desk", desk, chatwire.DeskRequest{Type: chatwire.RequestInvite, Conversation: v.ID, Code: "111 111 111"})
	w.recv("desk", desk, 2) // invite, queue
	w.send("desk", desk, chatwire.DeskRequest{Type: chatwire.RequestClose, Conversation: v.ID, Reason: "done"})
	w.recv("desk", desk, 2) // closed, queue
	var bound chatwire.Visited
	json.Unmarshal(w.post("/v1/desk/visit", chatwire.Visit{Code: "111111111", Lang: "en"}), &bound)
	w.post("/v1/desk/visit", chatwire.Visit{})

	got := w.text(v, bound)
	golden := filepath.Join("testdata", "wire.golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if got != string(want) {
		t.Errorf("the wire changed:\n%s\nwant:\n%s", got, want)
	}
}
