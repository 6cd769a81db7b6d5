package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/technician/deskclient"
)

// webSetup is a signaling server with an operator, and what Chromium
// needs to trust it.
type webSetup struct {
	srv      *sigServer
	user, pw string
	spki     []string
}

func newWebSetup(t *testing.T) *webSetup {
	t.Helper()
	needBrowser(t)
	srv := server(t, binaries(t))
	user, pw := srv.operator(t)
	return &webSetup{srv: srv, user: user, pw: pw, spki: spkiHashes(t, srv.ca)}
}

// technician starts the technician binary as the operator with args.
func (w *webSetup) technician(t *testing.T, args ...string) *proc {
	t.Helper()
	base := []string{"-server", w.srv.url, "-ca", w.srv.ca, "-user", w.user, "-password-file", w.pw, "-json"}
	return start(t, binaries(t)["technician"], nil, append(base, args...)...)
}

// deskClient logs the operator in and opens a desk in Go.
func (w *webSetup) deskClient(t *testing.T) *deskclient.Client {
	t.Helper()
	roots, err := certs.Pool(w.srv.ca)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := os.ReadFile(w.pw)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	tok, err := auth.Login(ctx, hc, w.srv.url, w.user, strings.TrimSpace(string(pw)))
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	dc, err := deskclient.Dial(ctx, w.srv.url, roots, tok.Value)
	if err != nil {
		t.Fatalf("open the desk: %v", err)
	}
	t.Cleanup(func() { dc.Close() })
	return dc
}

// session opens a session the headless way and returns its code.
func (w *webSetup) session(t *testing.T) string {
	t.Helper()
	return w.technician(t, "-headless").next(t, "code")["code"].(string)
}

// desk starts a technician's desk that picks which and says each of say.
func (w *webSetup) desk(t *testing.T, which string, say ...string) *proc {
	t.Helper()
	args := []string{"-desk", "-pick", which}
	for _, s := range say {
		args = append(args, "-desk-say", s)
	}
	return w.technician(t, args...)
}

// deskMessage waits for the desk's message event from from with text.
func deskMessage(t *testing.T, p *proc, from, text string) map[string]any {
	t.Helper()
	for {
		m := p.next(t, "desk-message")
		if m["from"] == from && m["text"] == text {
			return m
		}
	}
}

// deskMessages counts the desk's message events so far with text.
func deskMessages(p *proc, text string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.events {
		if e["event"] == "desk-message" && e["text"] == text {
			n++
		}
	}
	return n
}

// conversation is the page's conversation ID, from its sessionStorage.
func conversation(t *testing.T, b *browser) string {
	t.Helper()
	var id string
	raw := b.do("eval", map[string]any{"expr": "JSON.parse(sessionStorage.getItem('tandem.desk')).id"})
	if err := json.Unmarshal(raw, &id); err != nil || id == "" {
		t.Fatalf("the page keeps no conversation: %s", raw)
	}
	return id
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("TANDEM_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func focused(t *testing.T, b *browser) string {
	t.Helper()
	var id string
	json.Unmarshal(b.do("focused", nil), &id)
	return id
}

// sameOrigin fails if any request left origin's host, or if the record
// lacks one of the paths (a record that missed requests proves nothing).
func sameOrigin(t *testing.T, reqs []pageRequest, origin string, paths ...string) {
	t.Helper()
	o, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range reqs {
		u, err := url.Parse(r.URL)
		if err != nil || u.Host != o.Host || (u.Scheme != "https" && u.Scheme != "wss") {
			t.Errorf("the page made a %s request to %s, outside %s", r.Kind, r.URL, origin)
			continue
		}
		seen[u.Path] = true
	}
	for _, p := range paths {
		if !seen[p] {
			t.Errorf("no request for %s among the %d recorded: %v", p, len(reqs), reqs)
		}
	}
	t.Logf("%d requests, all to %s", len(reqs), origin)
}
