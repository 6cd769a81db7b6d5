package e2e

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// helpCustomer is a help page customer, played over the web chat's
// HTTP API (POST /v1/desk/visit, /v1/desk/poll).
type helpCustomer struct {
	t       *testing.T
	hc      *http.Client
	url     string
	id, key string
	after   int64
}

func (c *helpCustomer) post(path string, body, out any) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", c.url+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.url)
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		c.t.Fatalf("POST %s: %d", path, res.StatusCode)
	}
	json.NewDecoder(res.Body).Decode(out)
}

// next polls until an event of type typ arrives and returns it.
func (c *helpCustomer) next(typ string) chatwire.Event {
	c.t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		var p chatwire.Polled
		c.post("/v1/desk/poll", chatwire.PageFrame{ID: c.id, Key: c.key, After: c.after}, &p)
		for _, e := range p.Events {
			c.after = max(c.after, e.Seq)
			if e.Type == typ {
				return e
			}
		}
	}
	c.t.Fatalf("the help page customer never got a %q event", typ)
	return chatwire.Event{}
}

// TestConsoleDesk: a customer waiting on the help page shows in the
// console's queue; the operator answers, replies, and invites them: the
// customer's page gets the message and the code of the session the
// console opened.
func TestConsoleDesk(t *testing.T) {
	sig, bins := consoleServer(t)
	sig.admin(t, bins, consolePassword+"\n", "user", "add", "-name", "Nina Weber", "nina")
	roots, err := certs.Pool(sig.ca)
	if err != nil {
		t.Fatal(err)
	}
	c := &helpCustomer{t: t, url: sig.url, hc: &http.Client{Timeout: 40 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}}
	var v chatwire.Visited
	c.post("/v1/desk/visit", chatwire.Visit{Name: "Zoé Martin", Topic: "the printer"}, &v)
	c.id, c.key = v.ID, v.Key

	b := openBrowser(t, map[string]any{"spki": spkiHashes(t, sig.ca)})
	b.do("goto", map[string]any{"url": sig.url + "/console"})
	b.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})
	consoleLogin(b, "nina", consolePassword, "")
	b.waitText("#queue", "Zoé Martin — the printer")
	b.do("click", map[string]any{"sel": "#queue li[data-state=waiting] button"})
	b.do("waitAttr", map[string]any{"sel": "#queue li", "name": "data-state", "value": "yours"})
	b.do("fill", map[string]any{"sel": "#desk-text", "value": "Bonjour Zoé, je m'en occupe."})
	b.do("press", map[string]any{"sel": "#desk-text", "key": "Enter"})
	if m := c.next("message"); m.From != "operator" || m.Text != "Bonjour Zoé, je m'en occupe." {
		t.Errorf("the customer got %+v, want the operator's reply", m)
	}
	b.waitText("#desk-log", "je m'en occupe")
	checkAccessible(t, b, "the console's queue")

	b.do("click", map[string]any{"sel": "#queue li[data-state=yours] button"})
	b.waitText("#session-status", "Waiting for the customer")
	code := b.texts("#code")[0]
	if inv := c.next("invite"); inv.Code != code {
		t.Errorf("the customer was invited with %q, the console shows %q", inv.Code, code)
	}
	b.waitText("#desk-log", "Invited with code "+code)
	if strings.TrimSpace(code) == "" {
		t.Fatal("no code")
	}
	// The audit log tells a session opened in a browser from the desktop
	// app's.
	audit := sig.admin(t, bins, "", "audit", "list", "-n", "1000")
	if !regexp.MustCompile(`session\.open .*actor="nina".*client:console`).MatchString(audit) {
		t.Errorf("the session's opening is not audited as the console's:\n%s", audit)
	}
}
