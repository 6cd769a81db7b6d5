package signaling

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/login"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

const opPassword = "granite meadow falcon ribbon 19"

func (s *server) auditEntries(token string) []audit.Entry {
	s.t.Helper()
	code, b := s.do("GET", "/v1/admin/audit?limit=1000", token, nil)
	var es []audit.Entry
	if code != 200 || json.Unmarshal(b, &es) != nil {
		s.t.Fatalf("audit list: %d %s", code, b)
	}
	return es
}

func hasEntry(es []audit.Entry, kind, actor, subject string) bool {
	return slices.ContainsFunc(es, func(e audit.Entry) bool {
		return e.Kind == kind && e.Actor == actor && (subject == "" || e.Subject == subject)
	})
}

func (s *server) dial() *sigclient.Conn {
	s.t.Helper()
	c, err := sigclient.Dial(context.Background(), s.base, s.roots)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { c.Close() })
	return c
}

// TestAdminAPI: an administrator manages accounts, groups, IP rules and
// permissions over the API; an operator gets 403 and no token gets 401;
// every change is in the audit log under the administrator's ID, and the
// chain verifies.
func TestAdminAPI(t *testing.T) {
	s := startServer(t, t.TempDir(), nil)
	s.setup()
	root := s.mustLogin("root", adminPassword)
	for _, c := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"POST", "/v1/admin/accounts", map[string]string{"id": "op1", "kind": "operator", "name": "Op One", "password": opPassword}, 204},
		{"POST", "/v1/admin/accounts", map[string]string{"id": "op1", "kind": "operator", "password": opPassword}, 409},
		{"POST", "/v1/admin/accounts", map[string]string{"id": "Bad ID", "kind": "operator", "password": opPassword}, 400},
		{"POST", "/v1/admin/accounts", map[string]string{"id": "op2", "kind": "operator", "password": "password"}, 400},
		{"POST", "/v1/admin/accounts", map[string]string{"id": "op2", "kind": "operator", "password": opPassword, "extra": "x"}, 400},
		{"POST", "/v1/admin/groups", map[string]string{"name": "desk"}, 204},
		{"PUT", "/v1/admin/groups/desk/members/op1", nil, 204},
		{"PUT", "/v1/admin/groups/desk/members/nobody", nil, 404},
		{"PUT", "/v1/admin/permissions", map[string]any{"subject_kind": "group", "subject": "desk", "functions": []string{"observe", "chat"}}, 204},
		{"PUT", "/v1/admin/permissions", map[string]any{"subject_kind": "account", "subject": "op1", "functions": []string{"root-shell"}}, 400},
		{"POST", "/v1/admin/ip-rules", map[string]string{"subject_kind": "group", "subject": "desk", "rule": "not-an-ip"}, 400},
		{"GET", "/v1/admin/accounts/nobody", nil, 404},
	} {
		if code, b := s.do(c.method, c.path, root, c.body); code != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, code, b, c.want)
		}
	}
	code, b := s.do("GET", "/v1/admin/accounts/op1", root, nil)
	var acct struct {
		Kind        string   `json:"kind"`
		Groups      []string `json:"groups"`
		Permissions []string `json:"permissions"`
	}
	json.Unmarshal(b, &acct)
	if code != 200 || acct.Kind != "operator" || !slices.Equal(acct.Groups, []string{"desk"}) || !slices.Equal(acct.Permissions, []string{"chat", "observe"}) {
		t.Errorf("account op1: %d %s", code, b)
	}

	op := s.mustLogin("op1", opPassword)
	for _, tok := range []string{op, "", "tdm_forged", root + "x"} {
		want := http.StatusUnauthorized
		if tok == op {
			want = http.StatusForbidden
		}
		for _, path := range []string{"/v1/admin/accounts", "/v1/admin/audit", "/v1/admin/audit/verify"} {
			if code, b := s.do("GET", path, tok, nil); code != want {
				t.Errorf("GET %s with token %.8q: %d %s, want %d", path, tok, code, b, want)
			}
		}
	}
	if code, _ := s.do("POST", "/v1/admin/accounts/op1/disable", op, nil); code != http.StatusForbidden {
		t.Errorf("operator disabled an account: %d", code)
	}

	es := s.auditEntries(root)
	for _, want := range []struct{ kind, actor, subject string }{
		{"admin.setup", "setup", "root"},
		{"admin.account-created", "root", "op1"},
		{"admin.group-created", "root", "desk"},
		{"admin.member-added", "root", "op1"},
		{"admin.permissions-set", "root", "group:desk"},
		{"auth.login-succeeded", "op1", "op1"},
		{"admin.forbidden", "op1", ""},
	} {
		if !hasEntry(es, want.kind, want.actor, want.subject) {
			t.Errorf("audit lacks %s by %s on %s", want.kind, want.actor, want.subject)
		}
	}
	for _, e := range es {
		if strings.Contains(e.Detail["name"]+e.Subject+e.Actor, "tdm_") || strings.Contains(string(mustJSON(e)), opPassword) {
			t.Errorf("audit entry carries a secret: %+v", e)
		}
	}
	code, b = s.do("GET", "/v1/admin/audit/verify", root, nil)
	if code != 200 || !strings.Contains(string(b), `"ok":true`) {
		t.Errorf("verify: %d %s", code, b)
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// TestUnlockAndDisable: three wrong passwords block the ID; an
// administrator's unlock over the API lifts it; disabling kills the
// operator's token at once.
func TestUnlockAndDisable(t *testing.T) {
	s := startServer(t, t.TempDir(), nil)
	s.setup()
	root := s.mustLogin("root", adminPassword)
	s.do("POST", "/v1/admin/accounts", root, map[string]string{"id": "op1", "kind": "operator", "password": opPassword})
	for range 3 {
		s.login("op1", "wrong password entirely 123")
	}
	if _, err := s.login("op1", opPassword); !errors.Is(err, login.ErrLoginFailed) {
		t.Fatalf("blocked ID logged in: %v", err)
	}
	if code, b := s.do("POST", "/v1/admin/accounts/op1/unlock", root, nil); code != 204 {
		t.Fatalf("unlock: %d %s", code, b)
	}
	op := s.mustLogin("op1", opPassword)
	if code, _ := s.do("POST", "/v1/admin/accounts/op1/disable", root, nil); code != 204 {
		t.Fatal("disable failed")
	}
	if _, err := s.dial().Open(context.Background(), op); !errors.Is(err, proto.ErrUnauthorized) {
		t.Errorf("disabled operator's token opened a session: %v", err)
	}
	es := s.auditEntries(root)
	for _, k := range []string{"auth.id-blocked", "auth.unlocked", "auth.disabled"} {
		if !slices.ContainsFunc(es, func(e audit.Entry) bool { return e.Kind == k && e.Subject == "op1" }) {
			t.Errorf("audit lacks %s", k)
		}
	}
	if !hasEntry(es, "auth.unlocked", "root", "op1") {
		t.Error("unlock not attributed to root")
	}
}

// TestOperatorSession: an operator opens a session with their login
// token; the agent's Joined carries a grant signed with DATA/grant-key
// listing exactly the operator's functions; open, join and end are
// audited with the operator's ID; an IP rule the source is outside of
// refuses the token; nothing but a login token opens a session.
func TestOperatorSession(t *testing.T) {
	s := startServer(t, t.TempDir(), nil)
	s.setup()
	root := s.mustLogin("root", adminPassword)
	s.do("POST", "/v1/admin/accounts", root, map[string]string{"id": "op1", "kind": "operator", "name": "Op One", "organisation": "Example", "password": opPassword})
	s.do("PUT", "/v1/admin/permissions", root, map[string]any{"subject_kind": "account", "subject": "op1", "functions": []string{"remote-control", "file-transfer"}})
	op := s.mustLogin("op1", opPassword)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tech := s.dial()
	opened, err := tech.Open(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	joined, err := s.dial().Join(ctx, opened.Code)
	if err != nil {
		t.Fatal(err)
	}
	pub := s.svc.accounts.grantKey.Public().(ed25519.PublicKey)
	g, err := grant.Verify(pub, joined.Grant, opened.Session, time.Now())
	if err != nil {
		t.Fatalf("grant: %v (%s)", err, joined.Grant)
	}
	if g.Operator != "op1" || g.Name != "Op One" || g.Organisation != "Example" ||
		!slices.Equal(g.Functions, []grant.Function{grant.FileTransfer, grant.RemoteControl}) {
		t.Errorf("grant %+v", g)
	}
	tech.Send(ctx, proto.TypeBye, proto.Bye{Reason: "done"})
	waitFor(t, func() bool { return hasEntry(s.auditEntries(root), "session.end", "op1", opened.Session) })
	es := s.auditEntries(root)
	for _, k := range []string{"session.open", "session.join"} {
		if !hasEntry(es, k, "op1", opened.Session) {
			t.Errorf("audit lacks %s by op1", k)
		}
	}
	if slices.ContainsFunc(es, func(e audit.Entry) bool { return e.Kind == "session.open" && e.Detail["client"] != "" }) {
		t.Errorf("the desktop technician's session is audited as another client's: %+v", es)
	}
	if !slices.ContainsFunc(es, func(e audit.Entry) bool { return e.Kind == "session.join" && e.Detail["by"] == "code" }) {
		t.Errorf("the join's audit entry does not say it came by code: %+v", es)
	}

	// The shared token of earlier versions is gone: the server writes
	// none, and a token of its shape opens nothing.
	if _, err := os.Stat(filepath.Join(s.dir, "technician-token")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("DATA/technician-token: %v, want no such file", err)
	}
	if _, err := s.dial().Open(ctx, strings.Repeat("5e", 32)); !errors.Is(err, proto.ErrUnauthorized) {
		t.Errorf("a shared technician token opened a session: %v", err)
	}

	// Outside the operator's IP rules the same token opens nothing.
	s.do("POST", "/v1/admin/ip-rules", root, map[string]string{"subject_kind": "account", "subject": "op1", "rule": "203.0.113.0/24"})
	if _, err := s.dial().Open(ctx, op); !errors.Is(err, proto.ErrUnauthorized) {
		t.Errorf("token used outside its IP rules: %v", err)
	}
	if !hasEntry(s.auditEntries(root), "auth.ip-refused", "op1", "op1") {
		t.Error("IP refusal not audited")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 100 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("condition not reached in 5 s")
}
