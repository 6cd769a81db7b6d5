package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// deskCustomer is a help page's part played in Go: HTTP and the chat
// WebSocket, as a browser on the server's own origin would.
type deskCustomer struct {
	url string
	hc  *http.Client
	ws  *websocket.Conn
}

func newDeskCustomer(t *testing.T, srv *sigServer) *deskCustomer {
	t.Helper()
	roots, err := certs.Pool(srv.ca)
	if err != nil {
		t.Fatal(err)
	}
	return &deskCustomer{url: srv.url, hc: &http.Client{Timeout: 40 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}}
}

func (c *deskCustomer) post(t *testing.T, path string, body any, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := c.hc.Post(c.url+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

func (c *deskCustomer) connect(t *testing.T, id, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(c.url, "https")+"/v1/desk/chat",
		&websocket.DialOptions{HTTPClient: c.hc, HTTPHeader: http.Header{"Origin": {c.url}}})
	if err != nil {
		t.Fatalf("chat socket: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	c.ws = ws
	c.send(t, map[string]any{"type": "hello", "id": id, "key": key, "after": 0})
}

func (c *deskCustomer) send(t *testing.T, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

// next returns the next event of type typ on the page's socket.
func (c *deskCustomer) next(t *testing.T, typ string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			t.Fatalf("page: no %q event: %v", typ, err)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		if m["type"] == typ {
			return m
		}
	}
}

// TestDesk: a customer with no code waits in the queue; a headless
// technician at the desk picks them, they chat both ways, and the
// technician's invitation carries the code of the session it opened,
// which the help page's visit API takes as a live code of that operator
// and the customer's agent joins with. When the technician leaves, the chat ends and the audit log records
// its transcript under that session.
func TestDesk(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	page := newDeskCustomer(t, srv)
	var visit struct{ ID, Key string }
	if code := page.post(t, "/v1/desk/visit", map[string]string{"name": "Marie", "topic": "mon imprimante", "lang": "fr"}, &visit); code != http.StatusOK {
		t.Fatalf("visit: %d", code)
	}
	page.connect(t, visit.ID, visit.Key)
	page.send(t, map[string]string{"type": "send", "cid": "c1", "text": "Bonjour, mon imprimante ne marche plus"})
	page.next(t, "message") // echoed: it is in the conversation

	tech := start(t, b["technician"], nil, "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw,
		"-headless", "-json", "-desk", "-pick", "first", "-desk-say", "Bonjour Marie, je regarde", "-invite")
	q := tech.next(t, "queue")
	if cs, _ := q["conversations"].([]any); len(cs) != 1 || cs[0].(map[string]any)["name"] != "Marie" {
		t.Fatalf("queue %v", q)
	}
	if m := tech.next(t, "desk-message"); m["from"] != "customer" || m["text"] != "Bonjour, mon imprimante ne marche plus" {
		t.Fatalf("technician saw %v", m)
	}
	if a := page.next(t, "assigned"); a["operator"] == nil {
		t.Fatalf("assigned %v", a)
	}
	if m := page.next(t, "message"); m["from"] != "operator" || m["text"] != "Bonjour Marie, je regarde" {
		t.Fatalf("page got %v", m)
	}
	code := tech.next(t, "code")["code"].(string)
	inv := page.next(t, "invite")
	if inv["code"] != code {
		t.Fatalf("invite %v, the technician's session code %s", inv, code)
	}
	tech.next(t, "desk-invite")

	page.send(t, map[string]string{"type": "typing"})
	tech.next(t, "desk-typing")
	page.send(t, map[string]string{"type": "send", "cid": "c2", "text": "Merci, je télécharge"})
	if m := tech.next(t, "desk-message"); m["from"] != "customer" || m["text"] != "Merci, je télécharge" {
		t.Fatalf("technician saw %v", m)
	}
	// Its own line came back too, before the invitation.
	if !strings.Contains(tech.output(), `"from":"operator"`) {
		t.Errorf("the technician's own line never came back:\n%s", tech.output())
	}

	// The invitation's code is a live session code of this operator.
	var bound struct {
		Operator *struct{ Name, Organisation string }
		Code     *string
	}
	if st := newDeskCustomer(t, srv).post(t, "/v1/desk/visit", map[string]string{"code": code}, &bound); st != http.StatusOK || bound.Operator == nil || bound.Code == nil || *bound.Code != code {
		t.Fatalf("visit with the invited code: %d %+v", st, bound)
	}

	// And the customer's agent joins the technician's session with it.
	display := xvfb.Start(t, 1024, 768)
	agent := start(t, b["agent"], nil, "-keep", "-server", srv.url, "-ca", srv.ca, "-code", code, "-json", "-display", display)
	tech.next(t, "joined")
	answer(t, agent, display, "allow")
	tech.next(t, "connected")

	tech.cmd.Process.Signal(syscall.SIGINT)
	if c := page.next(t, "closed"); c["reason"] != "operator-left" {
		t.Errorf("closed %v", c)
	}
	tech.wait(t, 30*time.Second)
	// The page hears the end before the server has written it down.
	var audit string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if audit = auditList(t, b, srv); strings.Contains(audit, "chat.transcript") {
			break
		}
	}
	open := regexp.MustCompile(`session\.open actor="` + user + `" subject="([0-9a-f]+)"`).FindStringSubmatch(audit)
	if open == nil {
		t.Fatalf("no session.open in the audit log:\n%s", audit)
	}
	if !regexp.MustCompile(`chat\.transcript actor="` + user + `" subject="` + open[1] + `".*messages:3`).MatchString(audit) {
		t.Fatalf("no chat.transcript under session %s with 3 messages:\n%s", open[1], audit)
	}
}

func auditList(t *testing.T, b netlab.Binaries, srv *sigServer) string {
	t.Helper()
	out, err := exec.Command(b["signaling"], "admin", "-data", srv.data, "audit", "list", "-n", "1000").CombinedOutput()
	if err != nil {
		t.Fatalf("audit list: %v\n%s", err, out)
	}
	return string(out)
}

// TestDeskCodePath: a customer who types the technician's session code
// chats with that operator at once; the operator's desk (another
// technician process, same account) finds the conversation among theirs
// and answers.
func TestDeskCodePath(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	sess := start(t, b["technician"], nil, "-headless", "-json", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw)
	code := sess.next(t, "code")["code"].(string)

	page := newDeskCustomer(t, srv)
	var visit struct {
		ID, Key  string
		Operator *struct{ Name, Organisation string }
	}
	if st := page.post(t, "/v1/desk/visit", map[string]string{"code": code[:3] + " " + code[3:]}, &visit); st != http.StatusOK || visit.Operator == nil {
		t.Fatalf("visit with the code: %d %+v", st, visit)
	}
	page.connect(t, visit.ID, visit.Key)
	if a := page.next(t, "assigned"); a["operator"].(map[string]any)["name"] != visit.Operator.Name {
		t.Fatalf("assigned %v, visit said %+v", a, visit.Operator)
	}
	desk := start(t, b["technician"], nil, "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw,
		"-json", "-desk", "-pick", "first", "-desk-say", "C'est moi qui vous aide")
	q := desk.next(t, "queue")
	if cs, _ := q["conversations"].([]any); len(cs) != 1 || cs[0].(map[string]any)["state"] != "yours" {
		t.Fatalf("queue %v", q)
	}
	if m := page.next(t, "message"); m["from"] != "operator" || m["text"] != "C'est moi qui vous aide" {
		t.Fatalf("page got %v", m)
	}
	page.send(t, map[string]string{"type": "send", "cid": "c1", "text": "Merci"})
	for {
		if m := desk.next(t, "desk-message"); m["from"] == "customer" {
			if m["text"] != "Merci" {
				t.Fatalf("desk got %v", m)
			}
			break
		}
	}

	// A conversation that does not exist cannot be picked: the desk says
	// so and exits.
	wrong := start(t, b["technician"], nil, "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw,
		"-json", "-desk", "-pick", "0123456789abcdef")
	if e := wrong.next(t, "desk-error"); e["error"] != "not-found" {
		t.Errorf("picking a conversation that does not exist: %v", e)
	}
	if st := wrong.wait(t, 30*time.Second); st != 1 {
		t.Errorf("exit status %d, want 1", st)
	}
}
