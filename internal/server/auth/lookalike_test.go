package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// rawResponse is what a client sees of one HTTP answer, minus Date.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// rawLogin runs a login by hand and returns both answers verbatim.
func rawLogin(t *testing.T, e *env, id, password string) (start, finish rawResponse) {
	t.Helper()
	ctx := context.Background()
	c, cb, closeConn, err := pinnedClient(ctx, e.srv.Client(), e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer closeConn()
	sc, _ := scram.SHA256.NewClient(id, password, "")
	conv := sc.NewConversationWithChannelBinding(cb)
	first, _ := conv.Step("")
	start = rawPost(t, c, e.srv.URL+"/v1/login/start", login.StartRequest{ID: id, ClientFirst: first})
	var sr login.StartResponse
	if err := json.Unmarshal(start.body, &sr); err != nil {
		t.Fatalf("start answer %d %s", start.status, start.body)
	}
	final, err := conv.Step(sr.ServerFirst)
	if err != nil {
		t.Fatal(err)
	}
	finish = rawPost(t, c, e.srv.URL+"/v1/login/finish", login.FinishRequest{LoginID: sr.LoginID, ClientFinal: final})
	return start, finish
}

func rawPost(t *testing.T, c *http.Client, u string, v any) rawResponse {
	t.Helper()
	b, _ := json.Marshal(v)
	resp, err := c.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	resp.Header.Del("Date")
	return rawResponse{resp.StatusCode, resp.Header, body}
}

// serverFirstShape is server_first with the random nonce removed: what
// must not differ between a real and an unknown ID.
func serverFirstShape(t *testing.T, body []byte) (saltLen int, iters string) {
	t.Helper()
	var sr login.StartResponse
	json.Unmarshal(body, &sr)
	parts := strings.Split(sr.ServerFirst, ",")
	if len(parts) != 3 {
		t.Fatalf("server_first %q", sr.ServerFirst)
	}
	salt, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(parts[1], "s="))
	if err != nil {
		t.Fatal(err)
	}
	return len(salt), parts[2]
}

// TestFailuresLookAlike: unknown ID, wrong password, blocked ID (with the
// right password), disabled account and a source outside the IP rules all
// get byte-identical finish answers, and start answers of the same shape.
func TestFailuresLookAlike(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SourceBurst = 100 })
	ctx := context.Background()
	for _, id := range []string{"wrongpw", "blocked", "disabled", "fenced"} {
		e.addOperator(id, goodPassword)
	}
	for range 3 {
		e.login("blocked", "wrong")
	}
	e.service().Disable(ctx, "disabled")
	e.allowIP(t, store.Subject{Kind: store.SubjectAccount, Name: "fenced"}, "192.0.2.0/24")

	cases := []struct{ name, id, password string }{
		{"unknown ID", "nosuchuser", goodPassword},
		{"wrong password", "wrongpw", "not the password at all"},
		{"blocked, right password", "blocked", goodPassword},
		{"disabled, right password", "disabled", goodPassword},
		{"outside IP rules, right password", "fenced", goodPassword},
	}
	var ref rawResponse
	var refSalt int
	var refIters string
	for i, c := range cases {
		start, finish := rawLogin(t, e, c.id, c.password)
		saltLen, iters := serverFirstShape(t, start.body)
		if finish.status != http.StatusUnauthorized {
			t.Fatalf("%s: status %d", c.name, finish.status)
		}
		if i == 0 {
			ref, refSalt, refIters = finish, saltLen, iters
			continue
		}
		if !bytes.Equal(finish.body, ref.body) || finish.header.Get("Content-Type") != ref.header.Get("Content-Type") ||
			finish.header.Get("Content-Length") != ref.header.Get("Content-Length") || len(finish.header) != len(ref.header) {
			t.Errorf("%s: finish answer differs from unknown ID's:\n%d %v %s\n%d %v %s", c.name, finish.status, finish.header, finish.body, ref.status, ref.header, ref.body)
		}
		if start.status != http.StatusOK || saltLen != refSalt || iters != refIters {
			t.Errorf("%s: start answer shape (salt %d, %s) differs from unknown ID's (salt %d, %s)", c.name, saltLen, iters, refSalt, refIters)
		}
	}
	// The IP-refused attempts did not count towards fenced's lockout.
	if l, _ := e.service().Lockout(ctx, "fenced"); l.Failures != 0 {
		t.Fatalf("refused-by-IP attempt counted as a failure: %+v", l)
	}
}

// TestUnknownIDSaltIsStable: an unknown ID shows the same salt on every
// try and after a restart, as a real account does, so watching salts does
// not reveal which IDs exist.
func TestUnknownIDSaltIsStable(t *testing.T) {
	e := newEnv(t, nil)
	salt := func() string {
		start, _ := rawLogin(t, e, "ghost", "x-password-x-password")
		var sr login.StartResponse
		json.Unmarshal(start.body, &sr)
		return strings.Split(sr.ServerFirst, ",")[1]
	}
	a := salt()
	b := salt()
	e.restart()
	c := salt()
	if a != b || b != c {
		t.Fatalf("unknown ID's salt changed: %s %s %s", a, b, c)
	}
}
