package admin

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/httpjson"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// Handler serves, at their full paths, the login API (auth's), the setup
// route and the admin API:
//
//	POST   /v1/login/start, /v1/login/finish, /v1/logout    (package auth)
//	POST   /v1/setup                      {token, id, name, organisation, password}
//	GET    /v1/admin/accounts             -> [account]
//	POST   /v1/admin/accounts             {id, kind, name, organisation, password}
//	GET    /v1/admin/accounts/{id}        -> account with lockout and permissions
//	POST   /v1/admin/accounts/{id}/disable | enable | unlock
//	POST   /v1/admin/accounts/{id}/password  {password}
//	PUT    /v1/admin/accounts/{id}/relay-port {port} (0: none)
//	GET    /v1/admin/groups               -> [name]
//	POST   /v1/admin/groups               {name}
//	DELETE /v1/admin/groups/{name}
//	PUT    /v1/admin/groups/{name}/members/{id}
//	DELETE /v1/admin/groups/{name}/members/{id}
//	GET    /v1/admin/ip-rules?subject_kind=account|group&subject=NAME -> [rule]
//	POST   /v1/admin/ip-rules             {subject_kind, subject, rule}
//	DELETE /v1/admin/ip-rules?subject_kind=...&subject=...&rule=...
//	GET    /v1/admin/permissions?subject_kind=...&subject=... -> [function]
//	PUT    /v1/admin/permissions          {subject_kind, subject, functions}
//	GET    /v1/admin/audit?after=N&limit=N -> [entry]
//	GET    /v1/admin/audit/verify         -> {ok, entries, head, broken_entry, reason}
//	GET    /v1/admin/chats?session=ID&since=RFC3339&limit=N -> [chat] (no messages; latest first)
//	GET    /v1/admin/chats/{id}           -> chat with events and check (the read is audited)
//	GET    /v1/blocks                     -> [block] (an operator's own; all for administrators)
//	POST   /v1/blocks                     {address, duration, permanent, reason} -> block
//	DELETE /v1/blocks/{id}
//	POST   /v1/totp/enroll                -> {otpauth_uri} (own account, shown once)
//	POST   /v1/totp/confirm               {code} (own account)
//	PUT    /v1/admin/totp-required        {subject_kind, subject, required}
//	DELETE /v1/admin/accounts/{id}/totp   (reset a lost factor)
//	GET    /v1/keys[?all=true]            -> [key] (own; all for administrators)
//	POST   /v1/keys                       {name, scopes, expires_in} -> key with its secret, once
//	DELETE /v1/keys/{id}
//
// Who may call each route, with a login's token or an API key ("Bearer
// tdmk_..."), is accessTable's row for it (access.go): 401 without a live
// token or key, 403 for an operator on an administrators' route and for a
// key whose scopes do not cover the route. Routes that mint or change a
// login refuse every key.
func (a *Admin) Handler() http.Handler { return a.setupGuard(a.router().mux) }

// router registers every route of Handler.
func (a *Admin) router() *router {
	rt := &router{a: a, mux: http.NewServeMux()}
	login := a.auth.Handler()
	rt.public("POST /v1/login/", login)
	rt.public("POST /v1/logout", login)
	rt.public("POST /v1/setup", http.HandlerFunc(a.serveSetup))
	a.routes(rt)
	a.blockRoutes(rt)
	a.totpRoutes(rt)
	a.keyRoutes(rt)
	return rt
}

// setupGuard answers 404 to any spelling of the setup path once setup is
// done, before the mux can match, redirect or decode anything.
func (a *Admin) setupGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mentionsSetup(r) {
			if open, err := a.SetupOpen(r.Context()); err != nil || !open {
				http.NotFound(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (a *Admin) serveSetup(w http.ResponseWriter, r *http.Request) {
	m, err := decodeSetup(readBody(w, r))
	if err != nil {
		a.writeError(w, err)
		return
	}
	ctx := audit.WithActor(r.Context(), "setup", a.auth.ClientAddr(r))
	err = a.Setup(ctx, m.Token, store.Account{ID: m.ID, DisplayName: m.Name, Organisation: m.Organisation}, m.Password)
	if errors.Is(err, ErrSetupDone) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		a.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// router registers routes on a ServeMux, each behind its accessTable
// row, and remembers their patterns (TestRouteAccess calls each).
type router struct {
	a        *Admin
	mux      *http.ServeMux
	patterns []string
}

// handlerFunc is one administrators' route: its answer (nil for 204) or
// an error.
type handlerFunc func(r *http.Request) (any, error)

// callerFunc is one authenticated route, told who calls it.
type callerFunc func(r *http.Request, by Caller) (any, error)

// handle registers h for pattern behind the access of its row.
func (rt *router) handle(pattern string, h callerFunc) {
	acc := rt.row(pattern)
	if acc.reach == public {
		panic("admin: route " + pattern + " is public in accessTable but registered as authenticated")
	}
	rt.mux.HandleFunc(pattern, rt.a.guard(acc, h))
}

// admin registers an administrators' route that needs no Caller.
func (rt *router) admin(pattern string, h handlerFunc) {
	rt.handle(pattern, func(r *http.Request, _ Caller) (any, error) { return h(r) })
}

// public registers a route that authenticates nobody (login, setup).
func (rt *router) public(pattern string, h http.Handler) {
	if rt.row(pattern).reach != public {
		panic("admin: route " + pattern + " needs authentication in accessTable but is registered as public")
	}
	rt.mux.Handle(pattern, h)
}

// row is pattern's accessTable row; a route without one is a programming
// error, caught when the server (or any test) builds its Handler.
func (rt *router) row(pattern string) access {
	acc, ok := accessOf(pattern)
	if !ok {
		panic("admin: route " + pattern + " has no row in accessTable (access.go): decide who may call it, and with which API key scope")
	}
	rt.patterns = append(rt.patterns, pattern)
	return acc
}

// guard authorizes the request for acc, puts the caller in the context
// as the audit actor and runs h.
func (a *Admin) guard(acc access, h callerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r, by, err := a.authorize(r, acc)
		if err != nil {
			a.writeError(w, err)
			return
		}
		v, err := h(r, by)
		switch {
		case err != nil:
			a.writeError(w, err)
		case v == nil:
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusNoContent)
		default:
			httpjson.Write(w, http.StatusOK, v)
		}
	}
}

// authorize accepts a login's session token, or an API key whose scopes
// cover acc, from an account acc reaches. The returned request carries
// the audit actor, which names the key when one is used
// ("root/key_0123abcd"); refusals of an authenticated caller are audited.
func (a *Admin) authorize(r *http.Request, acc access) (*http.Request, Caller, error) {
	acct, key, err := a.authenticate(r)
	if err != nil {
		return r, Caller{}, err
	}
	actor := acct.ID
	if key.ID != "" {
		actor += "/" + key.ID
	}
	r = r.WithContext(audit.WithActor(r.Context(), actor, a.auth.ClientAddr(r)))
	if key.ID != "" {
		if err := acc.forKey(key.ID, key.Scopes); err != nil {
			a.log.Note(r.Context(), audit.Entry{Kind: "apikey.refused", Subject: r.Method + " " + r.URL.Path})
			return r, Caller{}, err
		}
	}
	if acc.reach == administrators && acct.Kind != store.KindAdministrator {
		a.log.Note(r.Context(), audit.Entry{Kind: "admin.forbidden", Subject: r.Method + " " + r.URL.Path})
		return r, Caller{}, fmt.Errorf("%w: administrators only: ask an administrator to do this", ErrForbidden)
	}
	return r, Caller{ID: acct.ID, Kind: acct.Kind}, nil
}

// authenticate turns the bearer into its live account and, for an API
// key, the key.
func (a *Admin) authenticate(r *http.Request) (store.Account, store.APIKey, error) {
	bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !auth.IsAPIKey(bearer) {
		acct, err := a.auth.AuthenticateRequest(r)
		return acct, store.APIKey{}, err
	}
	return a.auth.AuthenticateAPIKey(r.Context(), bearer, a.auth.ClientAddr(r))
}

// writeError maps err to its status and wire code, in one place.
func (a *Admin) writeError(w http.ResponseWriter, err error) {
	var pe *auth.PolicyError
	switch {
	case errors.Is(err, ErrInvalid), errors.As(err, &pe):
		httpjson.Error(w, http.StatusBadRequest, "bad_request", err.Error())
	case errors.Is(err, ErrForbidden):
		httpjson.Error(w, http.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, ErrSetupToken):
		httpjson.Error(w, http.StatusForbidden, "setup_token", err.Error())
	case errors.Is(err, login.ErrUnauthenticated):
		httpjson.Error(w, http.StatusUnauthorized, "unauthenticated", err.Error())
	case errors.Is(err, store.ErrNotFound):
		httpjson.Error(w, http.StatusNotFound, "not_found", err.Error()+": check the name")
	case errors.Is(err, store.ErrExists):
		httpjson.Error(w, http.StatusConflict, "exists", err.Error()+": choose another name")
	default:
		a.logger.Error("admin request failed", "err", err)
		httpjson.Error(w, http.StatusInternalServerError, "internal", "internal error: the server's log has details")
	}
}

func readBody(w http.ResponseWriter, r *http.Request) []byte {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest+1))
	if err != nil {
		return append(b, make([]byte, maxRequest+1)...) // too large: let the decoder say so
	}
	return b
}
