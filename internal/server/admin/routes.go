package admin

import (
	"net/http"
	"strconv"

	"github.com/tandem-remote/tandem/internal/server/store"
)

func (a *Admin) routes(rt *router) {
	h := rt.admin
	h("GET /v1/admin/accounts", a.apiAccounts)
	h("POST /v1/admin/accounts", a.apiCreateAccount)
	h("GET /v1/admin/accounts/{id}", a.apiAccount)
	h("POST /v1/admin/accounts/{id}/disable", func(r *http.Request) (any, error) { return nil, a.Disable(r.Context(), r.PathValue("id")) })
	h("POST /v1/admin/accounts/{id}/enable", func(r *http.Request) (any, error) { return nil, a.Enable(r.Context(), r.PathValue("id")) })
	h("POST /v1/admin/accounts/{id}/unlock", func(r *http.Request) (any, error) { return nil, a.Unlock(r.Context(), r.PathValue("id")) })
	h("POST /v1/admin/accounts/{id}/password", a.apiPassword)
	h("PUT /v1/admin/accounts/{id}/relay-port", a.apiRelayPort)
	h("GET /v1/admin/groups", func(r *http.Request) (any, error) { return nonNil(a.Groups(r.Context())) })
	h("POST /v1/admin/groups", a.apiCreateGroup)
	h("DELETE /v1/admin/groups/{name}", func(r *http.Request) (any, error) { return nil, a.DeleteGroup(r.Context(), r.PathValue("name")) })
	h("PUT /v1/admin/groups/{name}/members/{id}", func(r *http.Request) (any, error) {
		return nil, a.AddMember(r.Context(), r.PathValue("name"), r.PathValue("id"))
	})
	h("DELETE /v1/admin/groups/{name}/members/{id}", func(r *http.Request) (any, error) {
		return nil, a.RemoveMember(r.Context(), r.PathValue("name"), r.PathValue("id"))
	})
	h("GET /v1/admin/ip-rules", a.apiIPRules)
	h("POST /v1/admin/ip-rules", a.apiAllowIP)
	h("DELETE /v1/admin/ip-rules", a.apiDisallowIP)
	h("GET /v1/admin/permissions", a.apiPermissions)
	h("PUT /v1/admin/permissions", a.apiSetPermissions)
	h("GET /v1/admin/audit", a.apiAudit)
	h("GET /v1/admin/audit/verify", a.apiVerify)
	h("GET /v1/admin/chats", a.apiChats)
	h("GET /v1/admin/chats/{id}", a.apiChat)
}

func nonNil[T any](v []T, err error) (any, error) {
	if v == nil {
		v = []T{}
	}
	return v, err
}

func toResponse(acct store.Account) accountResponse {
	g := acct.Groups
	if g == nil {
		g = []string{}
	}
	return accountResponse{ID: acct.ID, Kind: string(acct.Kind), Name: acct.DisplayName, Organisation: acct.Organisation,
		Disabled: acct.Disabled, Created: acct.Created, Groups: g, RelayPort: acct.RelayPort}
}

func (a *Admin) apiAccounts(r *http.Request) (any, error) {
	accts, err := a.Accounts(r.Context())
	out := []accountResponse{}
	for _, acct := range accts {
		out = append(out, toResponse(acct))
	}
	return out, err
}

func (a *Admin) apiAccount(r *http.Request) (any, error) {
	info, err := a.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	resp := toResponse(info.Account)
	resp.Failures, resp.BlockedUntil, resp.Permissions = &info.Lockout.Failures, info.Lockout.BlockedUntil, info.Permissions
	return resp, nil
}

func (a *Admin) apiCreateAccount(r *http.Request) (any, error) {
	m, err := decodeCreateAccount(readBody(nil, r))
	if err != nil {
		return nil, err
	}
	acct := store.Account{ID: m.ID, Kind: store.Kind(m.Kind), DisplayName: m.Name, Organisation: m.Organisation}
	return nil, a.CreateAccount(r.Context(), acct, m.Password)
}

func (a *Admin) apiPassword(r *http.Request) (any, error) {
	m, err := decodePassword(readBody(nil, r))
	if err != nil {
		return nil, err
	}
	return nil, a.SetPassword(r.Context(), r.PathValue("id"), m.Password)
}

func (a *Admin) apiCreateGroup(r *http.Request) (any, error) {
	m, err := decodeGroup(readBody(nil, r))
	if err != nil {
		return nil, err
	}
	return nil, a.CreateGroup(r.Context(), m.Name)
}

func querySubject(r *http.Request) (store.Subject, error) {
	q := r.URL.Query()
	return ParseSubject(q.Get("subject_kind"), q.Get("subject"))
}

func (a *Admin) apiIPRules(r *http.Request) (any, error) {
	sub, err := querySubject(r)
	if err != nil {
		return nil, err
	}
	return nonNil(a.IPRules(r.Context(), sub))
}

func (a *Admin) apiAllowIP(r *http.Request) (any, error) {
	m, err := decodeIPRule(readBody(nil, r))
	if err != nil {
		return nil, err
	}
	sub, err := ParseSubject(m.SubjectKind, m.Subject)
	if err != nil {
		return nil, err
	}
	return nil, a.AllowIP(r.Context(), sub, m.Rule)
}

func (a *Admin) apiDisallowIP(r *http.Request) (any, error) {
	sub, err := querySubject(r)
	if err != nil {
		return nil, err
	}
	return nil, a.DisallowIP(r.Context(), sub, r.URL.Query().Get("rule"))
}

func (a *Admin) apiPermissions(r *http.Request) (any, error) {
	sub, err := querySubject(r)
	if err != nil {
		return nil, err
	}
	return nonNil(a.Permissions(r.Context(), sub))
}

func (a *Admin) apiSetPermissions(r *http.Request) (any, error) {
	m, err := decodePermissions(readBody(nil, r))
	if err != nil {
		return nil, err
	}
	sub, err := ParseSubject(m.SubjectKind, m.Subject)
	if err != nil {
		return nil, err
	}
	return nil, a.SetPermissions(r.Context(), sub, m.Functions)
}

func (a *Admin) apiAudit(r *http.Request) (any, error) {
	q := r.URL.Query()
	after, err1 := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, err2 := strconv.Atoi(q.Get("limit"))
	if q.Get("after") == "" {
		after, err1 = 0, nil
	}
	if q.Get("limit") == "" {
		limit, err2 = 100, nil
	}
	if err1 != nil || err2 != nil || after < 0 || limit < 1 || limit > 1000 {
		return nil, invalid("after must be a sequence number and limit 1-1000")
	}
	return nonNil(a.log.List(r.Context(), after, limit))
}

func (a *Admin) apiVerify(r *http.Request) (any, error) {
	res, err := a.log.Verify(r.Context())
	if err != nil {
		return nil, err
	}
	v := verifyResponse{OK: res.Broken == nil, Entries: res.Entries, Head: res.Head, PrunedThrough: res.Pruned, PrunedUntil: res.PrunedTime}
	if res.Broken != nil {
		v.Broken, v.Reason = res.Broken.Seq, res.Broken.Reason
	}
	return v, nil
}
