package signaling

import (
	"net/http"
	"strings"
	"testing"
)

// TestSetupOnce: no default account; the printed one-time token creates
// the first administrator once; after that every spelling of the setup
// path answers exactly like a path that never existed, also after a
// restart, which prints no new token.
func TestSetupOnce(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, nil)
	if _, err := s.login("admin", "admin"); err == nil {
		t.Fatal("a default account exists")
	}
	tok := s.setupToken()
	body := func(token string) map[string]string {
		return map[string]string{"token": token, "id": "root", "name": "Root", "password": adminPassword}
	}
	if code, b := s.do("POST", "/v1/setup", "", body(tok[:len(tok)-1]+"x")); code != http.StatusForbidden {
		t.Fatalf("wrong token: %d %s", code, b)
	}
	if code, b := s.do("POST", "/v1/setup", "", map[string]string{"token": tok, "id": "root", "password": "short"}); code != http.StatusBadRequest {
		t.Fatalf("weak password: %d %s", code, b)
	}
	s.setup() // the token still works after the refusals above
	s.mustLogin("root", adminPassword)
	if code, _ := s.do("POST", "/v1/setup", "", body(tok)); code != http.StatusNotFound {
		t.Fatalf("second setup with the same token: %d", code)
	}
	checkSetupGone(t, s)

	s.stop()
	s = startServer(t, dir, nil)
	if strings.Contains(s.out, "tdmsetup_") || strings.Contains(s.out, "NO ADMINISTRATOR") {
		t.Errorf("restart printed a setup token:\n%s", s.out)
	}
	checkSetupGone(t, s)
}

func checkSetupGone(t *testing.T, s *server) {
	t.Helper()
	_, notFound := s.raw("GET", "/v1/never-existed", "")
	payload := `{"token":"tdmsetup_x","id":"evil","password":"` + adminPassword + `"}`
	for _, path := range []string{
		"/v1/setup", "/v1/setup/", "/v1/setupx", "/v1/setup.json", "/v1/setup/x", "/v1/setup?x=1", "/v1/setup#",
		"/v1/SETUP", "/V1/Setup", "/v1/sEtUp",
		"/v1/%73etup", "/v1/%73%65%74%75%70", "/v1/%2573etup", "/v1/setup%2F", "/v1%2Fsetup", "/%761/setup",
		"//v1/setup", "/v1//setup", "/v1/./setup", "/v1/setup/..", "/v1/setup/.", "/v1/x/../setup", "/./v1/setup",
		"https://127.0.0.1/v1/setup",
	} {
		for _, method := range []string{"POST", "GET", "PUT"} {
			code, got := s.raw(method, path, payload)
			if code != http.StatusNotFound || got != notFound {
				t.Errorf("%s %s: %d %q, want 404 %q", method, path, code, got, notFound)
			}
		}
	}
	if _, err := s.login("evil", adminPassword); err == nil {
		t.Error("a spelling of the setup path created an account")
	}
}
