package auth

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/wire/login"
)

// browserServer serves the desktop login API and, beside it, the browser
// console's two calls, the way package console mounts them.
func browserServer(t *testing.T, e *env) (*httptest.Server, string) {
	t.Helper()
	var host string
	mux := http.NewServeMux()
	mux.Handle("/v1/", e.service().Handler())
	mux.HandleFunc("POST /console/api/login/start", func(w http.ResponseWriter, r *http.Request) {
		m, err := login.DecodeStartRequest(readBody(w, r))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := e.service().StartBrowserLogin(r, []string{host}, m)
		if err != nil {
			e.service().WriteLoginError(w, err)
			return
		}
		json.NewEncoder(w).Encode(res)
	})
	mux.HandleFunc("POST /console/api/login/finish", func(w http.ResponseWriter, r *http.Request) {
		m, err := login.DecodeFinishRequest(readBody(w, r))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		final, _, err := e.service().FinishBrowserLogin(r, []string{host}, m)
		if err != nil {
			e.service().WriteLoginError(w, err)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"server_final": final})
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	host = u.Host
	return srv, "https://" + host
}

type reply struct {
	status int
	body   []byte
}

func post(t *testing.T, c *http.Client, url, origin string, v any) reply {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, body}
}

// unboundLogin runs an unbound SCRAM exchange (what a page's WebCrypto
// does): start at startURL, finish at finishURL, both with origin.
func unboundLogin(t *testing.T, c *http.Client, startURL, finishURL, origin, id, password string) (start, finish reply, conv *scram.ClientConversation) {
	t.Helper()
	sc, _ := scram.SHA256.NewClient(id, password, "")
	conv = sc.NewConversation()
	first, _ := conv.Step("")
	start = post(t, c, startURL, origin, login.StartRequest{ID: id, ClientFirst: first})
	if start.status != http.StatusOK {
		return start, reply{}, conv
	}
	var sr login.StartResponse
	json.Unmarshal(start.body, &sr)
	final, err := conv.Step(sr.ServerFirst)
	if err != nil {
		t.Fatalf("client final: %v", err)
	}
	finish = post(t, c, finishURL, origin, login.FinishRequest{LoginID: sr.LoginID, ClientFinal: final})
	return start, finish, conv
}

// TestBrowserLoginOrigin: the console's endpoint takes an unbound SCRAM
// login only with the server's own Origin; a forged or missing Origin is
// refused before any SCRAM step, and the desktop endpoint still refuses
// an unbound client.
func TestBrowserLoginOrigin(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("bob", goodPassword)
	srv, origin := browserServer(t, e)
	c := srv.Client()
	start, finish := srv.URL+"/console/api/login/start", srv.URL+"/console/api/login/finish"

	s, f, conv := unboundLogin(t, c, start, finish, origin, "bob", goodPassword)
	if s.status != http.StatusOK || f.status != http.StatusOK {
		t.Fatalf("same-origin unbound login: start %d %s, finish %d %s", s.status, s.body, f.status, f.body)
	}
	var fr struct {
		ServerFinal string `json:"server_final"`
	}
	json.Unmarshal(f.body, &fr)
	if _, err := conv.Step(fr.ServerFinal); err != nil || !conv.Valid() {
		t.Fatalf("the server's final message did not verify: %v", err)
	}

	for name, o := range map[string]string{"forged": "https://evil.example", "missing": "", "plain http": "http" + origin[5:]} {
		s, _, _ := unboundLogin(t, c, start, finish, o, "bob", goodPassword)
		if s.status != http.StatusForbidden {
			t.Errorf("%s Origin: start %d %s, want 403", name, s.status, s.body)
		}
	}
	// The desktop endpoint: an unbound client is refused, even with an Origin.
	s, _, _ = unboundLogin(t, c, srv.URL+"/v1/login/start", srv.URL+"/v1/login/finish", origin, "bob", goodPassword)
	if s.status != http.StatusBadRequest {
		t.Fatalf("unbound login at /v1/login/start: %d %s, want 400", s.status, s.body)
	}
	// A login started by the console cannot be finished at the desktop
	// endpoint (the connection's exporter is not the start's none).
	_, f, _ = unboundLogin(t, c, start, srv.URL+"/v1/login/finish", origin, "bob", goodPassword)
	if f.status != http.StatusBadRequest {
		t.Fatalf("console login finished at /v1/login/finish: %d %s, want 400", f.status, f.body)
	}
	if n := e.countEvents(EventLoginSucceeded); n != 1 {
		t.Fatalf("%d successful logins, want 1", n)
	}
}

// TestBrowserLoginLockout: wrong passwords at the console count toward
// the same lockout as the desktop app's: after three, the right one is
// refused there and at the desktop endpoint.
func TestBrowserLoginLockout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SourceBurst = 10 })
	e.addOperator("bob", goodPassword)
	srv, origin := browserServer(t, e)
	c := srv.Client()
	start, finish := srv.URL+"/console/api/login/start", srv.URL+"/console/api/login/finish"
	for i := range 3 {
		_, f, _ := unboundLogin(t, c, start, finish, origin, "bob", "wrong password number "+string(rune('a'+i)))
		if f.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d %s", i+1, f.status, f.body)
		}
	}
	_, f, _ := unboundLogin(t, c, start, finish, origin, "bob", goodPassword)
	if f.status != http.StatusUnauthorized {
		t.Fatalf("right password after three wrong ones at the console: %d %s, want 401", f.status, f.body)
	}
	_, err := e.login("bob", goodPassword)
	wantLoginFailed(t, err)
	if n := e.countEvents(EventIDBlocked); n != 1 {
		t.Fatalf("%d id-blocked events, want 1", n)
	}
}

// TestSameOrigin: only https://HOST with HOST the request's own or a
// listed one, said once, and not from another site.
func TestSameOrigin(t *testing.T) {
	hosts := []string{"support.example.com", "*.help.example.com"}
	for _, tc := range []struct {
		name    string
		origins []string
		site    string
		want    bool
	}{
		{"own host", []string{"https://tandem.test:8443"}, "", true},
		{"own host, same-origin fetch", []string{"https://tandem.test:8443"}, "same-origin", true},
		{"listed host", []string{"https://support.example.com"}, "", true},
		{"listed pattern", []string{"https://eu.help.example.com"}, "", true},
		{"case", []string{"https://SUPPORT.example.com"}, "", true},
		{"missing", nil, "", false},
		{"null", []string{"null"}, "", false},
		{"other site", []string{"https://evil.example"}, "", false},
		{"plain http", []string{"http://tandem.test:8443"}, "", false},
		{"other port", []string{"https://tandem.test:9443"}, "", false},
		{"with a path", []string{"https://tandem.test:8443/x"}, "", false},
		{"with user info", []string{"https://a@tandem.test:8443"}, "", false},
		{"twice", []string{"https://tandem.test:8443", "https://tandem.test:8443"}, "", false},
		{"cross-site fetch", []string{"https://tandem.test:8443"}, "cross-site", false},
		{"suffix trick", []string{"https://support.example.com.evil.example"}, "", false},
	} {
		r := httptest.NewRequest(http.MethodPost, "https://tandem.test:8443/console/api/login/start", nil)
		for _, o := range tc.origins {
			r.Header.Add("Origin", o)
		}
		if tc.site != "" {
			r.Header.Set("Sec-Fetch-Site", tc.site)
		}
		if got := SameOrigin(r, hosts); got != tc.want {
			t.Errorf("%s: SameOrigin = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzSameOrigin: no Origin is taken unless it is https and names the
// request's host or a listed one.
func FuzzSameOrigin(f *testing.F) {
	for _, s := range []string{"https://tandem.test", "https://support.example.com", "null", "http://tandem.test", "https://x@y/z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, origin string) {
		r := httptest.NewRequest(http.MethodPost, "https://tandem.test/console/api/login/start", nil)
		r.Header.Set("Origin", origin)
		if !SameOrigin(r, []string{"support.example.com"}) {
			return
		}
		u, err := url.Parse(origin)
		if err != nil || u.Scheme != "https" || (!strings.EqualFold(u.Host, "tandem.test") && !strings.EqualFold(u.Host, "support.example.com")) {
			t.Fatalf("SameOrigin took %q", origin)
		}
	})
}
