package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/wire/login"
)

// TestBindingMismatchFails: a proof bound to another TLS connection (what
// a man in the middle relaying the login would produce) is refused like a
// wrong password.
func TestBindingMismatchFails(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("bob", goodPassword)
	ctx := context.Background()
	c, _, closeConn, err := pinnedClient(ctx, e.srv.Client(), e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer closeConn()
	sc, _ := scram.SHA256.NewClient("bob", goodPassword, "")
	other := scram.ChannelBinding{Type: scram.ChannelBindingTLSExporter, Data: make([]byte, 32)}
	conv := sc.NewConversationWithChannelBinding(other)
	first, _ := conv.Step("")
	start := rawPost(t, c, e.srv.URL+"/v1/login/start", login.StartRequest{ID: "bob", ClientFirst: first})
	var sr login.StartResponse
	json.Unmarshal(start.body, &sr)
	final, _ := conv.Step(sr.ServerFirst)
	fin := rawPost(t, c, e.srv.URL+"/v1/login/finish", login.FinishRequest{LoginID: sr.LoginID, ClientFinal: final})
	if fin.status != http.StatusUnauthorized {
		t.Fatalf("mismatched binding: %d %s", fin.status, fin.body)
	}
}

// TestUnboundRefused: a client that does not bind (flag "n") is refused
// when the server can bind, unless AllowUnbound is set.
func TestUnboundRefused(t *testing.T) {
	for _, allow := range []bool{false, true} {
		e := newEnv(t, func(c *Config) { c.AllowUnbound = allow })
		e.addOperator("bob", goodPassword)
		c, _, closeConn, _ := pinnedClient(context.Background(), e.srv.Client(), e.srv.URL)
		sc, _ := scram.SHA256.NewClient("bob", goodPassword, "")
		conv := sc.NewConversation()
		first, _ := conv.Step("")
		start := rawPost(t, c, e.srv.URL+"/v1/login/start", login.StartRequest{ID: "bob", ClientFirst: first})
		closeConn()
		if got := start.status == http.StatusOK; got != allow {
			t.Fatalf("AllowUnbound=%v: unbound start got %d %s", allow, start.status, start.body)
		}
	}
}

// TestFinishOnOtherConnection: finish must travel on the start's TLS
// connection.
func TestFinishOnOtherConnection(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("bob", goodPassword)
	ctx := context.Background()
	c1, cb, close1, _ := pinnedClient(ctx, e.srv.Client(), e.srv.URL)
	defer close1()
	sc, _ := scram.SHA256.NewClient("bob", goodPassword, "")
	conv := sc.NewConversationWithChannelBinding(cb)
	first, _ := conv.Step("")
	start := rawPost(t, c1, e.srv.URL+"/v1/login/start", login.StartRequest{ID: "bob", ClientFirst: first})
	var sr login.StartResponse
	json.Unmarshal(start.body, &sr)
	final, _ := conv.Step(sr.ServerFirst)
	c2, _, close2, _ := pinnedClient(ctx, e.srv.Client(), e.srv.URL)
	defer close2()
	fin := rawPost(t, c2, e.srv.URL+"/v1/login/finish", login.FinishRequest{LoginID: sr.LoginID, ClientFinal: final})
	if fin.status != http.StatusBadRequest {
		t.Fatalf("finish on another connection: %d %s", fin.status, fin.body)
	}
	// The login is spent: replaying it on the right connection fails too.
	fin = rawPost(t, c1, e.srv.URL+"/v1/login/finish", login.FinishRequest{LoginID: sr.LoginID, ClientFinal: final})
	if fin.status != http.StatusBadRequest {
		t.Fatalf("replayed finish: %d %s", fin.status, fin.body)
	}
}
