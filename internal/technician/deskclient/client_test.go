package deskclient

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "wire", "chatwire", "testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// TestWire checks the client against the web chat's golden files (package
// chatwire), which the hub's tests read too: what it sends, byte for
// byte, and what it makes of what the hub sends.
func TestWire(t *testing.T) {
	got := make(chan string, 8)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/desk/operator" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.Write(r.Context(), websocket.MessageText, []byte(golden(t, "desk-error")))
		for {
			_, b, err := c.Read(r.Context())
			if err != nil {
				return
			}
			got <- string(b)
		}
	}))
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Dial(ctx, srv.URL, roots, "wrong"); err != ErrUnauthorized {
		t.Fatalf("a refused token: %v, want ErrUnauthorized", err)
	}
	dc, err := Dial(ctx, srv.URL, roots, "tok")
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	m, err := dc.Next(ctx)
	if err != nil || m.Type != chatwire.TypeError || m.Conversation != "c0ffee" || m.Error != chatwire.CodeTaken || m.Message == "" {
		t.Fatalf("read the desk error as %+v, %v", m, err)
	}
	for name, send := range map[string]func() error{
		"desk-request-pick":   func() error { return dc.Pick(ctx, "c0ffee") },
		"desk-request-send":   func() error { return dc.Say(ctx, "c0ffee", "Bonjour Marie") },
		"desk-request-typing": func() error { return dc.Typing(ctx, "c0ffee") },
		"desk-request-invite": func() error { return dc.Invite(ctx, "c0ffee", "123456789") },
		"desk-request-close":  func() error { return dc.End(ctx, "c0ffee", "done") },
	} {
		if err := send(); err != nil {
			t.Fatal(err)
		}
		if b := <-got; b != golden(t, name) {
			t.Errorf("%s: sent %s, want %s", name, b, golden(t, name))
		}
	}
}

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"support.example.com":               "wss://support.example.com/v1/desk/operator",
		"https://support.example.com:8443/": "wss://support.example.com:8443/v1/desk/operator",
	} {
		if got, err := URL(in); err != nil || got != want {
			t.Errorf("URL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := URL("http://support.example.com"); err == nil {
		t.Error("a plain-HTTP server accepted")
	}
}
