package auth

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

func wantUnauth(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, login.ErrUnauthenticated) {
		t.Fatalf("%s: got %v, want login.ErrUnauthenticated", what, err)
	}
}

// TestTokens: tokens expire, die on logout, on disable and on a password
// change, and malformed ones are refused.
func TestTokens(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.TokenTTL = time.Hour; c.SourceBurst = 50 })
	ctx := context.Background()
	svc := e.service()
	e.addOperator("bob", goodPassword)

	tok := e.mustLogin("bob", goodPassword)
	e.clock.Add(time.Hour - time.Second)
	if _, err := svc.Authenticate(ctx, tok.Value); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Second)
	_, err := svc.Authenticate(ctx, tok.Value)
	wantUnauth(t, "expired", err)

	tok = e.mustLogin("bob", goodPassword)
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/logout", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Value)
	resp, err := e.srv.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %v %v", resp, err)
	}
	resp.Body.Close()
	_, err = svc.Authenticate(ctx, tok.Value)
	wantUnauth(t, "logged out", err)

	tok = e.mustLogin("bob", goodPassword)
	svc.Disable(ctx, "bob")
	_, err = svc.Authenticate(ctx, tok.Value)
	wantUnauth(t, "disabled", err)
	svc.Enable(ctx, "bob")
	_, err = svc.Authenticate(ctx, tok.Value)
	wantUnauth(t, "re-enabled (tokens stay dead)", err)

	tok = e.mustLogin("bob", goodPassword)
	if err := svc.SetPassword(ctx, "bob", "saffron glacier piano 771"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Authenticate(ctx, tok.Value)
	wantUnauth(t, "password changed", err)

	for _, bad := range []string{"", "tdm_", "tdm_!!!", tok.Value + "x", "Bearer " + tok.Value, "tdm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		_, err = svc.Authenticate(ctx, bad)
		wantUnauth(t, "malformed", err)
	}
}

// TestAuthenticateRequest: the bearer token plus the account's IP rules,
// so a token used from outside them is refused.
func TestAuthenticateRequest(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("bob", goodPassword)
	tok := e.mustLogin("bob", goodPassword)
	req := func(remote string) *http.Request {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("Authorization", "Bearer "+tok.Value)
		return r
	}
	if a, err := e.service().AuthenticateRequest(req("203.0.113.1:1")); err != nil || a.ID != "bob" {
		t.Fatalf("%+v %v", a, err)
	}
	e.allowIP(t, store.Subject{Kind: store.SubjectAccount, Name: "bob"}, "192.0.2.0/24")
	_, err := e.service().AuthenticateRequest(req("203.0.113.1:1"))
	wantUnauth(t, "outside rules", err)
	if _, err := e.service().AuthenticateRequest(req("[::ffff:192.0.2.3]:1")); err != nil {
		t.Fatal(err)
	}
}

// TestTokenNotLogged: Token's printed and logged forms hide the secret.
func TestTokenNotLogged(t *testing.T) {
	tok := login.Token{Value: "tdm_secret", Expires: time.Now()}
	for _, s := range []string{tok.String(), tok.LogValue().String()} {
		if s != "[session token]" {
			t.Fatalf("token shows as %q", s)
		}
	}
}
