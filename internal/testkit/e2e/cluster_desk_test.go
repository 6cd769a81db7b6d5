package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// TestClusterDesk: the help desk over three nodes. A help-page visitor
// on node 3 leaves a message; the operator's desk on node 1 (the headless
// technician) has it in its queue, picks it, replies, and invites the
// visitor into a session it opened on node 1, whose code reaches the page
// on node 3. Node 3 is killed (SIGKILL); the page reconnects to node 2,
// where its replay holds every event, numbered as before, and its next
// message reaches the operator on node 1 and the operator's second desk,
// on node 2, whose queue lists the same conversation.
func TestClusterDesk(t *testing.T) {
	b := binaries(t)
	c := startCluster(t, b, 3)
	op := c.admin.AddOperator("desk")
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte(op.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 40 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.roots}}}
	page := &deskCustomer{url: c.nodes[2].url, hc: hc}
	var visit struct{ ID, Key string }
	if st := page.post(t, "/v1/desk/visit", map[string]string{"name": "Zoé", "topic": "l'imprimante", "lang": "fr"}, &visit); st != http.StatusOK {
		t.Fatalf("visit on node 3: %d", st)
	}
	page.connect(t, visit.ID, visit.Key)
	page.send(t, map[string]string{"type": "send", "cid": "c1", "text": "Bonjour depuis le nœud 3"})
	page.next(t, "message")

	tech := start(t, b["technician"], nil, "-server", c.nodes[0].url, "-ca", c.ca, "-user", op.ID, "-password-file", pw,
		"-headless", "-json", "-desk", "-pick", "first", "-desk-say", "Bonjour Zoé, ici le nœud 1", "-invite")
	q := tech.next(t, "queue")
	if cs, _ := q["conversations"].([]any); len(cs) != 1 || cs[0].(map[string]any)["name"] != "Zoé" {
		t.Fatalf("node 1's queue %v", q)
	}
	if m := tech.next(t, "desk-message"); m["from"] != "customer" || m["text"] != "Bonjour depuis le nœud 3" {
		t.Fatalf("the operator on node 1 saw %v", m)
	}
	page.next(t, "assigned")
	if m := page.next(t, "message"); m["from"] != "operator" || m["text"] != "Bonjour Zoé, ici le nœud 1" {
		t.Fatalf("the page on node 3 got %v", m)
	}
	code := tech.next(t, "code")["code"].(string)
	if inv := page.next(t, "invite"); inv["code"] != code {
		t.Fatalf("invite %v, the session's code %s", inv, code)
	}
	tech.next(t, "desk-invite")

	desk2 := operatorDesk(t, c.nodes[1].url, hc, op.Token)
	if q := desk2.next(t, "queue"); len(q.Conversations) != 1 || q.Conversations[0].ID != visit.ID ||
		q.Conversations[0].State != chatwire.StateYours || q.Conversations[0].Session == "" {
		t.Fatalf("node 2's desk queue %+v", q.Conversations)
	}

	if err := c.nodes[2].proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	page.ws.CloseNow()
	page.url = c.nodes[1].url
	page.connect(t, visit.ID, visit.Key) // replays from the first event
	for i, want := range []string{"message", "assigned", "message", "invite"} {
		if e := page.next(t, want); e["seq"] != float64(i+1) {
			t.Fatalf("replay on node 2: %s as event %v, want %d", want, e["seq"], i+1)
		}
	}
	page.send(t, map[string]string{"type": "send", "cid": "c1", "text": "Bonjour depuis le nœud 3"}) // resent: not doubled
	page.send(t, map[string]string{"type": "send", "cid": "c2", "text": "Me revoilà, par le nœud 2"})
	if m := tech.next(t, "desk-message"); m["from"] != "customer" || m["text"] != "Me revoilà, par le nœud 2" {
		t.Fatalf("the operator on node 1 saw %v", m)
	}
	if e := desk2.nextEvent(t, chatwire.EventMessage); e.CID != "c2" || e.Seq != 5 {
		t.Fatalf("node 2's desk got %+v, want c2 as event 5", e)
	}
}

// deskConn is an operator's desk socket, as the console's page opens it.
type deskConn struct{ ws *websocket.Conn }

func operatorDesk(t *testing.T, url string, hc *http.Client, token string) *deskConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(url, "https")+"/v1/desk/operator", &websocket.DialOptions{
		HTTPClient: hc, HTTPHeader: http.Header{"Origin": {url}, "Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatalf("desk socket: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &deskConn{ws: ws}
}

// next returns the desk's next message of type typ.
func (d *deskConn) next(t *testing.T, typ string) chatwire.DeskMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		_, b, err := d.ws.Read(ctx)
		if err != nil {
			t.Fatalf("desk: no %q: %v", typ, err)
		}
		var m chatwire.DeskMessage
		json.Unmarshal(b, &m)
		if m.Type == typ {
			return m
		}
	}
}

// nextEvent returns the desk's next conversation event of type typ.
func (d *deskConn) nextEvent(t *testing.T, typ string) chatwire.Event {
	t.Helper()
	for {
		if m := d.next(t, chatwire.TypeEvent); m.Event != nil && m.Event.Type == typ {
			return *m.Event
		}
	}
}
