package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
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
	for { // node 1 may hear of the visit after the desk's first queue
		q := tech.next(t, "queue")
		if cs, _ := q["conversations"].([]any); len(cs) == 1 {
			if name := cs[0].(map[string]any)["name"]; name != "Zoé" {
				t.Fatalf("node 1's queue lists %v", name)
			}
			break
		}
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
	desk2.queueUntil(t, "the conversation, the operator's, bound to the session", func(cs []chatwire.DeskSummary) bool {
		return len(cs) == 1 && cs[0].ID == visit.ID && cs[0].State == chatwire.StateYours && cs[0].Session != ""
	})

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
	logDeskLatency(t, page, desk2, operatorDesk(t, c.nodes[0].url, hc, op.Token))

	// The technician leaves: its node ends the chat, the page on node 2
	// hears it, and the transcript is audited once, every message in it.
	tech.cmd.Process.Signal(syscall.SIGINT)
	if e := page.next(t, "closed"); e["reason"] != "operator-left" {
		t.Fatalf("closed %v", e)
	}
	transcriptOnce(t, c, visit.ID, 3+latencyMessages)
}

// transcriptOnce waits for conversation id's chat.transcript entry in
// the nodes' one audit chain, which must verify, and checks there is one
// with messages messages.
func transcriptOnce(t *testing.T, c *signalingCluster, id string, messages int) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, c.pg.URL("tandem"), c.pg.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var found []store.AuditRecord
	for deadline := time.Now().Add(30 * time.Second); len(found) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		recs, err := st.AuditRecords(ctx, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		found = slices.DeleteFunc(recs, func(r store.AuditRecord) bool {
			return r.Kind != "chat.transcript" || !strings.Contains(r.Detail, id)
		})
	}
	want := fmt.Sprintf(`"messages":"%d"`, messages)
	if len(found) != 1 || !strings.Contains(found[0].Detail, want) {
		t.Fatalf("chat.transcript entries for the conversation: %+v, want one with %s", found, want)
	}
	if res, err := audit.New(st, nil, nil).Verify(ctx); err != nil || res.Broken != nil {
		t.Fatalf("audit chain: %+v, %v", res, err)
	}
}

// latencyMessages is how many messages logDeskLatency sends.
const latencyMessages = 16

// logDeskLatency logs how long the page's messages, sent on node 2, take
// to reach the operator's desk on node 2 and on node 1, in the same run.
// Both desks are read at once; the messages go out every 250 ms, within
// the page's message rate (a burst of 10, then one per 500 ms).
func logDeskLatency(t *testing.T, page *deskCustomer, same, other *deskConn) {
	t.Helper()
	other.next(t, "queue")
	const n = latencyMessages
	sent := make([]time.Time, n)
	var mu sync.Mutex // sent: the race detector cannot see a message's way through the network
	since := func(k int) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return time.Since(sent[k])
	}
	var wg sync.WaitGroup
	var here, across []time.Duration
	var errs [2]error
	for i, d := range []struct {
		conn *deskConn
		out  *[]time.Duration
	}{{same, &here}, {other, &across}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.conn.arrivals(n, func(k int) { *d.out = append(*d.out, since(k)) })
		}()
	}
	for i := range n {
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		page.send(t, map[string]string{"type": "send", "cid": fmt.Sprintf("m%d", i), "text": fmt.Sprintf("mesure %d", i)})
		time.Sleep(250 * time.Millisecond)
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	t.Logf("the page's message to the operator's desk, %d messages: same node p50 %v p99 %v; across nodes p50 %v p99 %v",
		n, pct(here, 50), pct(here, 99), pct(across, 50), pct(across, 99))
}

// arrivals reads the desk until the page's messages m0 to m(n-1) came,
// calling got with each one's number as it comes.
func (d *deskConn) arrivals(n int, got func(int)) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for k := 0; k < n; {
		_, b, err := d.ws.Read(ctx)
		if err != nil {
			return fmt.Errorf("desk: message m%d never came: %w", k, err)
		}
		var m chatwire.DeskMessage
		json.Unmarshal(b, &m)
		if m.Type != chatwire.TypeEvent || m.Event == nil || m.Event.Type != chatwire.EventMessage {
			continue
		}
		if m.Event.CID != fmt.Sprintf("m%d", k) {
			return fmt.Errorf("desk: got %q, want m%d", m.Event.CID, k)
		}
		got(k)
		k++
	}
	return nil
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

// queueUntil reads the desk's queues until one is what ok wants (the
// node may still be hearing of the latest change); want says what, when
// none comes.
func (d *deskConn) queueUntil(t *testing.T, want string, ok func([]chatwire.DeskSummary) bool) {
	t.Helper()
	var last []chatwire.DeskSummary
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if last = d.next(t, chatwire.TypeQueue).Conversations; ok(last) {
			return
		}
	}
	t.Fatalf("the desk's queue never listed %s; last %+v", want, last)
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
