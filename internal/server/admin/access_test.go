package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// Who may call a route, as this test states it independently of
// accessTable.
const (
	anyone      = "public"
	adminRead   = ScopeAdminRead  // administrators: a login, or a key with admin:read
	adminWrite  = ScopeAdminWrite // administrators: a login, or a key with admin:write
	blocksScope = ScopeBlocks     // any account: a login, or a key with blocks
	adminLogin  = "admin login"   // administrators' login only: never a key
	memberLogin = "member login"  // any account's login only: never a key
)

// wantAccess is the decision for every route. A route the router
// registers that is missing here fails TestRouteAccess.
var wantAccess = map[string]string{
	"POST /v1/login/": anyone,
	"POST /v1/logout": anyone,
	"POST /v1/setup":  anyone,

	"GET /v1/admin/accounts":      adminRead,
	"GET /v1/admin/accounts/{id}": adminRead,
	"GET /v1/admin/groups":        adminRead,
	"GET /v1/admin/ip-rules":      adminRead,
	"GET /v1/admin/permissions":   adminRead,
	"GET /v1/admin/audit":         adminRead,
	"GET /v1/admin/audit/verify":  adminRead,
	"GET /v1/admin/chats":         adminRead,
	"GET /v1/admin/chats/{id}":    adminRead,

	"POST /v1/admin/groups":                  adminWrite,
	"PUT /v1/admin/permissions":              adminWrite,
	"PUT /v1/admin/accounts/{id}/relay-port": adminWrite,

	"GET /v1/blocks":         blocksScope,
	"POST /v1/blocks":        blocksScope,
	"DELETE /v1/blocks/{id}": blocksScope,

	"POST /v1/admin/accounts":                     adminLogin,
	"POST /v1/admin/accounts/{id}/password":       adminLogin,
	"POST /v1/admin/accounts/{id}/disable":        adminLogin,
	"POST /v1/admin/accounts/{id}/enable":         adminLogin,
	"POST /v1/admin/accounts/{id}/unlock":         adminLogin,
	"DELETE /v1/admin/accounts/{id}/totp":         adminLogin,
	"PUT /v1/admin/totp-required":                 adminLogin,
	"POST /v1/admin/ip-rules":                     adminLogin,
	"DELETE /v1/admin/ip-rules":                   adminLogin,
	"DELETE /v1/admin/groups/{name}":              adminLogin,
	"PUT /v1/admin/groups/{name}/members/{id}":    adminLogin,
	"DELETE /v1/admin/groups/{name}/members/{id}": adminLogin,
	"POST /v1/totp/enroll":                        memberLogin,
	"POST /v1/totp/confirm":                       memberLogin,
	"GET /v1/keys":                                memberLogin,
	"POST /v1/keys":                               memberLogin,
	"DELETE /v1/keys/{id}":                        memberLogin,
}

// caller is one way to call the API.
type caller struct {
	name   string
	bearer string
	admin  bool     // the account is an administrator
	key    bool     // bearer is an API key
	scopes []string // the key's
}

// allows reports whether this test expects c through a route decided as d.
func (c caller) allows(d string) bool {
	switch {
	case c.bearer == "":
		return false
	case !c.key:
		return c.admin || d == blocksScope || d == memberLogin
	case d == adminLogin || d == memberLogin:
		return false
	}
	return slices.Contains(c.scopes, d) && (c.admin || d == blocksScope)
}

// accessEnv is chatEnv with a third account ("victim", an operator the
// routes act on), a group, and API keys of every scope.
type accessEnv struct {
	*chatEnv
	callers []caller
}

func newAccessEnv(t *testing.T) *accessEnv {
	e := &accessEnv{chatEnv: newChatEnv(t)}
	ctx := context.Background()
	if err := e.a.auth.CreateAccount(ctx, store.Account{ID: "victim", Kind: store.KindOperator}, pw); err != nil {
		t.Fatal(err)
	}
	if err := e.a.CreateGroup(ctx, "grp"); err != nil {
		t.Fatal(err)
	}
	e.callers = []caller{{name: "no token"}, {name: "root's login", bearer: e.root, admin: true}, {name: "op1's login", bearer: e.op1}}
	root, op1 := Caller{ID: "root", Kind: store.KindAdministrator}, Caller{ID: "op1", Kind: store.KindOperator}
	for _, k := range []struct {
		by     Caller
		scopes []string
	}{
		{root, []string{ScopeAdminRead}}, {root, []string{ScopeAdminWrite}}, {root, []string{ScopeBlocks}},
		{root, []string{ScopeAdminRead, ScopeAdminWrite, ScopeBlocks}}, {op1, []string{ScopeBlocks}},
	} {
		secret, _, err := e.a.CreateAPIKey(ctx, k.by, "test", k.scopes, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.callers = append(e.callers, caller{name: k.by.ID + "'s key " + strings.Join(k.scopes, ","), bearer: secret,
			admin: k.by.Kind == store.KindAdministrator, key: true, scopes: k.scopes})
	}
	return e
}

// do sends method path with an optional JSON body and returns the status
// and the error answer's message, if any.
func (e *accessEnv) do(method, path, bearer string, body any) (int, string) {
	e.t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var er login.ErrorResponse // the body of every API error (httpjson.Error)
	json.NewDecoder(resp.Body).Decode(&er)
	return resp.StatusCode, er.Error
}

// TestRouteAccess calls every route the router registers with no token,
// an administrator's and an operator's login, an administrator's key of
// each scope and of all of them, and an operator's blocks key: each gets
// through exactly the routes wantAccess allows it, and every refusal says
// why. A key is refused, whatever its scopes, by every route that mints
// or changes a login (and by the key routes: a key cannot mint a key).
func TestRouteAccess(t *testing.T) {
	e := newAccessEnv(t)
	registered := e.a.router().patterns
	for _, p := range registered {
		if _, ok := wantAccess[p]; !ok {
			t.Errorf("route %q has no decision in wantAccess: decide who may call it (accessTable in access.go, and here)", p)
		}
	}
	for p := range wantAccess {
		if !slices.Contains(registered, p) {
			t.Errorf("wantAccess names %q, which the router does not register", p)
		}
	}
	for _, p := range registered {
		d := wantAccess[p]
		if d == anyone || d == "" {
			continue
		}
		method, path, _ := strings.Cut(p, " ")
		path = strings.NewReplacer("{id}", "victim", "{name}", "grp").Replace(path)
		for _, c := range e.callers {
			code, msg := e.do(method, path, c.bearer, nil)
			if !checkAccess(c, d, code, msg) {
				t.Errorf("%s with %s: %d %q; want %s", p, c.name, code, msg, wantText(c, d))
			}
		}
	}
}

// checkAccess reports whether a call's answer is what wantAccess says:
// past the check (the empty body may still be a 400 or the name a 404),
// or refused with 401 without a token and 403 with a reason otherwise.
func checkAccess(c caller, d string, code int, msg string) bool {
	if c.allows(d) {
		return code != http.StatusUnauthorized && code != http.StatusForbidden && code < 500
	}
	switch {
	case c.bearer == "":
		return code == http.StatusUnauthorized
	case c.key && (d == adminLogin || d == memberLogin):
		return code == http.StatusForbidden && strings.Contains(msg, "logged in with a password") && strings.Contains(msg, "API keys cannot")
	case c.key:
		return code == http.StatusForbidden && strings.Contains(msg, "scope")
	}
	return code == http.StatusForbidden && strings.Contains(msg, "administrators only")
}

func wantText(c caller, d string) string {
	if c.allows(d) {
		return "it allowed (" + d + ")"
	}
	return "it refused (" + d + ") with 401 without a token, else 403 and why"
}

const pw2 = "velvet harbour lantern quince 42"

// TestLoginChangesNeedPasswordLogin: an administrator's login creates an
// account, sets a password, removes TOTP, disables and enables, while a
// key with every scope gets 403 for each and changes nothing; the
// refusal is audited with the key.
func TestLoginChangesNeedPasswordLogin(t *testing.T) {
	e := newAccessEnv(t)
	ctx := context.Background()
	key := e.callers[len(e.callers)-2] // root's, every scope
	if _, err := e.a.EnrollTOTP(ctx, "victim"); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/admin/accounts", map[string]string{"id": "mallory", "kind": "administrator", "password": pw}},
		{"POST", "/v1/admin/accounts/victim/password", map[string]string{"password": pw2}},
		{"DELETE", "/v1/admin/accounts/victim/totp", nil},
		{"POST", "/v1/admin/accounts/op1/disable", nil},
	}
	for _, s := range steps {
		if code, msg := e.do(s.method, s.path, key.bearer, s.body); code != http.StatusForbidden || !strings.Contains(msg, "API keys cannot") {
			t.Errorf("%s %s with a key of every scope: %d %q, want 403", s.method, s.path, code, msg)
		}
	}
	if _, err := login.Login(ctx, e.hc, e.url, "mallory", pw); err == nil {
		t.Error("the key created an account that logs in")
	}
	if _, err := login.Login(ctx, e.hc, e.url, "victim", pw); err != nil {
		t.Errorf("the key changed victim's password: %v", err)
	}
	if _, err := e.st.TOTP(ctx, "victim"); err != nil {
		t.Errorf("the key removed victim's TOTP: %v", err)
	}
	if code, _ := e.do("GET", "/v1/blocks", e.op1, nil); code != http.StatusOK {
		t.Errorf("the key disabled op1: its login gets %d", code)
	}
	if !e.audited("apikey.refused", "root/key_", "POST /v1/admin/accounts") {
		t.Error("a key's refused account creation is not in the audit log")
	}

	for _, s := range append(steps, struct {
		method, path string
		body         any
	}{"POST", "/v1/admin/accounts/op1/enable", nil}) {
		if code, msg := e.do(s.method, s.path, e.root, s.body); code/100 != 2 {
			t.Errorf("%s %s with root's login: %d %q", s.method, s.path, code, msg)
		}
	}
	if _, err := login.Login(ctx, e.hc, e.url, "mallory", pw); err != nil {
		t.Errorf("the account root created does not log in: %v", err)
	}
	if _, err := login.Login(ctx, e.hc, e.url, "victim", pw2); err != nil {
		t.Errorf("the password root set does not log in: %v", err)
	}
	if _, err := e.st.TOTP(ctx, "victim"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("root's TOTP reset left an enrollment: %v", err)
	}
	if _, err := login.Login(ctx, e.hc, e.url, "op1", pw); err != nil {
		t.Errorf("op1, disabled and enabled by root, does not log in: %v", err)
	}
}

// audited reports whether the audit log has an entry of kind by an actor
// starting with actor, on subject.
func (e *accessEnv) audited(kind, actor, subject string) bool {
	es, err := e.a.log.List(context.Background(), 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, en := range es {
		if en.Kind == kind && strings.HasPrefix(en.Actor, actor) && en.Subject == subject {
			return true
		}
	}
	return false
}

// TestREADMEScopes: the README's scope table is accessTable's.
func TestREADMEScopes(t *testing.T) {
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := scopesMarkdown(); !strings.Contains(string(b), want) {
		t.Errorf("README.md's API key scope table is not accessTable's; put this in its place:\n%s", want)
	}
}

// TestRouteWithoutDecision: registering a route that accessTable does not
// name stops the server from building its Handler, with the fix in the
// message.
func TestRouteWithoutDecision(t *testing.T) {
	rt := &router{a: &Admin{}, mux: http.NewServeMux()}
	defer func() {
		if msg, _ := recover().(string); !strings.Contains(msg, "no row in accessTable") {
			t.Errorf("an undecided route registered; recovered %q", msg)
		}
	}()
	rt.handle("POST /v1/admin/accounts/{id}/impersonate", func(*http.Request, Caller) (any, error) { return nil, nil })
}
