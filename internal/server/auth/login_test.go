package auth

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestLoginWithChannelBinding: a login over TLS completes, its first
// message asks for tls-exporter binding, and the token authenticates.
func TestLoginWithChannelBinding(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("bob", goodPassword)
	tok := e.mustLogin("bob", goodPassword)
	if !strings.HasPrefix(tok.Value, tokenPrefix) || !tok.Expires.Equal(e.clock.Now().Add(12*time.Hour)) {
		t.Fatalf("token %q expires %v", tok.Value, tok.Expires)
	}
	acct, err := e.service().Authenticate(context.Background(), tok.Value)
	if err != nil || acct.ID != "bob" {
		t.Fatalf("Authenticate = %+v, %v", acct, err)
	}
	e.mu.Lock()
	first := string(e.bodies[0])
	e.mu.Unlock()
	if !strings.Contains(first, `"client_first":"p=tls-exporter,,n=bob,r=`) {
		t.Fatalf("client_first did not request tls-exporter binding: %s", first)
	}
	// IDs are case-insensitive.
	e.mustLogin("BOB", goodPassword)
	if n := e.countEvents(EventLoginSucceeded); n != 2 {
		t.Fatalf("%d success events, want 2", n)
	}
}
