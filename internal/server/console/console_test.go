package console_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/server/console"
	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/wire/login"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// page is a client that behaves as the console page does: a cookie jar,
// the server's Origin on every call.
type page struct {
	t      *testing.T
	s      *signalingtest.Server
	hc     *http.Client
	origin string
}

func newPage(t *testing.T, s *signalingtest.Server) *page {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.Roots}}}
	return &page{t: t, s: s, hc: hc, origin: s.URL}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (p *page) do(method, path string, body any, hdr map[string]string) answer {
	p.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.s.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if p.origin != "" {
		req.Header.Set("Origin", p.origin)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, b}
}

// login runs the page's unbound SCRAM exchange and returns finish's answer.
func (p *page) login(id, password string) (start, finish answer) {
	p.t.Helper()
	sc, _ := scram.SHA256.NewClient(id, password, "")
	conv := sc.NewConversation()
	first, _ := conv.Step("")
	start = p.do("POST", "/console/api/login/start", login.StartRequest{ID: id, ClientFirst: first}, nil)
	if start.status != http.StatusOK {
		return start, answer{}
	}
	var sr login.StartResponse
	json.Unmarshal(start.body, &sr)
	final, err := conv.Step(sr.ServerFirst)
	if err != nil {
		p.t.Fatal(err)
	}
	finish = p.do("POST", "/console/api/login/finish", login.FinishRequest{LoginID: sr.LoginID, ClientFinal: final}, nil)
	if finish.status == http.StatusOK {
		var fr struct {
			ServerFinal string `json:"server_final"`
		}
		json.Unmarshal(finish.body, &fr)
		if _, err := conv.Step(fr.ServerFinal); err != nil || !conv.Valid() {
			p.t.Fatalf("server final did not verify: %v", err)
		}
	}
	return start, finish
}

// TestPageHeaders: the page and its files come from the binary with a
// strict CSP (no inline script or style, no eval, never framed), and the
// HTML holds no inline script, style or handler.
func TestPageHeaders(t *testing.T) {
	s := signalingtest.Start(t, signaling.Config{}, nil)
	p := newPage(t, s)
	for _, path := range []string{"/console", "/console/", "/console/assets/console.js", "/console/assets/scram.js"} {
		a := p.do("GET", path, nil, nil)
		if a.status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, a.status)
		}
		csp := a.header.Get("Content-Security-Policy")
		if csp != console.CSP || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if xfo := a.header.Get("X-Frame-Options"); xfo != "DENY" {
			t.Errorf("GET %s: X-Frame-Options %q", path, xfo)
		}
		if strings.HasSuffix(path, ".js") && !strings.HasPrefix(a.header.Get("Content-Type"), "text/javascript") {
			t.Errorf("GET %s: Content-Type %q", path, a.header.Get("Content-Type"))
		}
	}
	html := string(p.do("GET", "/console", nil, nil).body)
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(html, -1) {
		if !strings.Contains(tag, ` src="/console/assets/`) {
			t.Errorf("a script without an embedded src: %s", tag)
		}
	}
	for _, re := range []string{`<script[^>]*>[^<]+</script>`, `<style`, `\sstyle=`, `\son[a-z]+=`, `https?://`} {
		if m := regexp.MustCompile(re).FindString(html); m != "" {
			t.Errorf("the page holds %q", m)
		}
	}
	if a := p.do("GET", "/console/assets/.hidden", nil, nil); a.status != http.StatusNotFound {
		t.Errorf("a dot file: %d", a.status)
	}
}

// TestLoginCookieAndSession: the page logs in without binding, gets its
// token only as an HttpOnly, Secure, SameSite=Strict cookie scoped to
// /console, opens a session over the console's WebSocket with it, and
// logs out with its CSRF token.
func TestLoginCookieAndSession(t *testing.T) {
	s := signalingtest.Start(t, signaling.Config{}, nil)
	p := newPage(t, s)
	_, fin := p.login(s.Operator.ID, s.Operator.Password)
	if fin.status != http.StatusOK {
		t.Fatalf("login: %d %s", fin.status, fin.body)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: fin.header}).Cookies() {
		if c.Name == console.CookieName {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/console" {
		t.Fatalf("session cookie %+v: want HttpOnly, Secure, SameSite=Strict, Path=/console", cookie)
	}
	if bytes.Contains(fin.body, []byte(cookie.Value)) {
		t.Fatal("finish's body carries the session token")
	}
	var me struct{ ID, Name, CSRF string }
	json.Unmarshal(fin.body, &me)
	if me.ID != s.Operator.ID || me.Name != "Operator "+s.Operator.ID || me.CSRF == "" {
		t.Fatalf("finish said %s", fin.body)
	}

	code := openSession(t, p, p.origin)
	if !regexp.MustCompile(`^\d{9}$`).MatchString(code) {
		t.Fatalf("opened code %q", code)
	}
	if _, err := dialWS(t, p, "https://evil.example"); err == nil {
		t.Fatal("the console's WebSocket accepted another Origin")
	}

	if a := p.do("POST", "/console/api/logout", nil, nil); a.status != http.StatusForbidden {
		t.Fatalf("logout without the CSRF token: %d", a.status)
	}
	if a := p.do("GET", "/console/api/me", nil, nil); a.status != http.StatusOK {
		t.Fatalf("me after a refused logout: %d", a.status)
	}
	if a := p.do("POST", "/console/api/logout", nil, map[string]string{"X-Tandem-CSRF": me.CSRF}); a.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", a.status, a.body)
	}
	if a := p.do("GET", "/console/api/me", nil, nil); a.status != http.StatusUnauthorized {
		t.Fatalf("me after logout: %d", a.status)
	}
}

// TestUnboundOnlyAtConsole: an unbound SCRAM client with a forged or no
// Origin is refused at the console's endpoint, and the desktop endpoint
// refuses an unbound client whatever its Origin.
func TestUnboundOnlyAtConsole(t *testing.T) {
	s := signalingtest.Start(t, signaling.Config{}, nil)
	for _, origin := range []string{"https://evil.example", "null", ""} {
		p := newPage(t, s)
		p.origin = origin
		st, _ := p.login(s.Operator.ID, s.Operator.Password)
		if st.status != http.StatusForbidden {
			t.Errorf("Origin %q: start %d %s, want 403", origin, st.status, st.body)
		}
	}
	p := newPage(t, s)
	sc, _ := scram.SHA256.NewClient(s.Operator.ID, s.Operator.Password, "")
	first, _ := sc.NewConversation().Step("")
	a := p.do("POST", "/v1/login/start", login.StartRequest{ID: s.Operator.ID, ClientFirst: first}, nil)
	if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "channel binding") {
		t.Fatalf("unbound login at the desktop endpoint: %d %s", a.status, a.body)
	}
}

func dialWS(t *testing.T, p *page, origin string) (*websocket.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hdr := http.Header{"Origin": {origin}}
	c, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(p.s.URL, "https")+"/console/api/ws",
		&websocket.DialOptions{HTTPClient: p.hc, HTTPHeader: hdr})
	return c, err
}

// openSession sends open with the placeholder token and returns the code.
func openSession(t *testing.T, p *page, origin string) string {
	t.Helper()
	c, err := dialWS(t, p, origin)
	if err != nil {
		t.Fatalf("console WebSocket: %v", err)
	}
	defer c.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, _ := proto.Encode(proto.TypeOpen, proto.Open{Token: "cookie"})
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env, err := proto.Decode(data)
	if err != nil || env.Type != proto.TypeOpened {
		t.Fatalf("after open: %s", data)
	}
	o, _ := proto.Body[proto.Opened](env)
	return o.Code
}
