package admin

import (
	"fmt"
	"strings"
)

// Who may call each route of Handler, decided once in accessTable: the
// router consults it when a route is registered (a route without a row
// does not start), the README's scope table and `signaling admin key -h`
// render it, and TestRouteAccess calls every registered route with every
// kind of caller.
//
// The rule for API keys: a key never mints or changes a login. Whatever
// decides who can log in, with what, and from where - accounts, their
// passwords, enabled state and lockout, TOTP, IP rules, and groups (which
// carry IP rules and TOTP requirements) - and API keys themselves need
// the token of a password login, with TOTP where required. A leaked key
// thus cannot create an account, take one over, lock administrators out,
// free itself from its owner's IP rules, or make itself a successor.

// reach is which accounts a route serves.
type reach uint8

const (
	public         reach = iota // no bearer: login, logout, setup
	members                     // any live account: operators and administrators, each for itself
	administrators              // administrators only
)

// access is who may call one route.
type access struct {
	reach reach
	scope string // the API key scope that covers it; "": a login's token only, never a key
	does  string // what it does, for refusals and the tables ("create accounts")
}

// routeAccess is one row of accessTable.
type routeAccess struct {
	pattern string // as registered with http.ServeMux
	access
}

// accessTable is every route Handler serves, in the order the README
// lists them.
var accessTable = []routeAccess{
	{"POST /v1/login/", access{public, "", "log in (SCRAM, then TOTP where required)"}},
	{"POST /v1/logout", access{public, "", "end a login's token"}},
	{"POST /v1/setup", access{public, "", "create the first administrator with the printed setup token"}},

	{"GET /v1/admin/accounts", access{administrators, ScopeAdminRead, "list accounts"}},
	{"GET /v1/admin/accounts/{id}", access{administrators, ScopeAdminRead, "show an account, its lockout and permissions"}},
	{"GET /v1/admin/groups", access{administrators, ScopeAdminRead, "list groups"}},
	{"GET /v1/admin/ip-rules", access{administrators, ScopeAdminRead, "list IP rules"}},
	{"GET /v1/admin/permissions", access{administrators, ScopeAdminRead, "list permissions"}},
	{"GET /v1/admin/audit", access{administrators, ScopeAdminRead, "read the audit log"}},
	{"GET /v1/admin/audit/verify", access{administrators, ScopeAdminRead, "verify the audit log"}},
	{"GET /v1/admin/chats", access{administrators, ScopeAdminRead, "list web chat transcripts"}},
	{"GET /v1/admin/chats/{id}", access{administrators, ScopeAdminRead, "read a web chat transcript (audited)"}},

	{"POST /v1/admin/groups", access{administrators, ScopeAdminWrite, "create groups"}},
	{"PUT /v1/admin/permissions", access{administrators, ScopeAdminWrite, "set permissions"}},
	{"PUT /v1/admin/accounts/{id}/relay-port", access{administrators, ScopeAdminWrite, "assign relay ports"}},

	{"GET /v1/blocks", access{members, ScopeBlocks, "list customer blocks"}},
	{"POST /v1/blocks", access{members, ScopeBlocks, "block customers"}},
	{"DELETE /v1/blocks/{id}", access{members, ScopeBlocks, "lift customer blocks"}},

	{"POST /v1/admin/accounts", access{administrators, "", "create accounts"}},
	{"POST /v1/admin/accounts/{id}/password", access{administrators, "", "set passwords"}},
	{"POST /v1/admin/accounts/{id}/disable", access{administrators, "", "disable accounts"}},
	{"POST /v1/admin/accounts/{id}/enable", access{administrators, "", "enable accounts"}},
	{"POST /v1/admin/accounts/{id}/unlock", access{administrators, "", "lift a three-tries lockout"}},
	{"DELETE /v1/admin/accounts/{id}/totp", access{administrators, "", "remove TOTP"}},
	{"PUT /v1/admin/totp-required", access{administrators, "", "require or stop requiring TOTP"}},
	{"POST /v1/admin/ip-rules", access{administrators, "", "add IP rules (where accounts log in from)"}},
	{"DELETE /v1/admin/ip-rules", access{administrators, "", "remove IP rules"}},
	{"DELETE /v1/admin/groups/{name}", access{administrators, "", "delete groups (with their IP rules and TOTP requirement)"}},
	{"PUT /v1/admin/groups/{name}/members/{id}", access{administrators, "", "add group members (groups carry IP rules and TOTP requirements)"}},
	{"DELETE /v1/admin/groups/{name}/members/{id}", access{administrators, "", "remove group members"}},
	{"POST /v1/totp/enroll", access{members, "", "enroll TOTP for oneself"}},
	{"POST /v1/totp/confirm", access{members, "", "confirm one's TOTP enrollment"}},
	{"GET /v1/keys", access{members, "", "list API keys"}},
	{"POST /v1/keys", access{members, "", "create API keys"}},
	{"DELETE /v1/keys/{id}", access{members, "", "revoke API keys"}},
}

// accessOf returns pattern's row.
func accessOf(pattern string) (access, bool) {
	for _, ra := range accessTable {
		if ra.pattern == pattern {
			return ra.access, true
		}
	}
	return access{}, false
}

// forKey is why an API key may not make the request; nil when its scopes
// cover it.
func (acc access) forKey(keyID string, scopes []string) error {
	who := "an administrator"
	if acc.reach == members {
		who = "an operator or administrator"
	}
	if acc.scope == "" {
		return fmt.Errorf("%w: this needs %s logged in with a password (and TOTP where required); API keys cannot %s: log in to do it",
			ErrForbidden, who, acc.does)
	}
	for _, s := range scopes {
		if s == acc.scope {
			return nil
		}
	}
	return fmt.Errorf("%w: API key %s has no %s scope, which is needed to %s: use a key with that scope, or log in",
		ErrForbidden, keyID, acc.scope, acc.does)
}

func (r reach) String() string {
	switch r {
	case members:
		return "operators and administrators"
	case administrators:
		return "administrators"
	}
	return "anyone"
}

// scopeLabel is how the tables name a route's scope.
func (acc access) scopeLabel(quote string) string {
	if acc.scope == "" {
		return "login only"
	}
	return quote + acc.scope + quote
}

// scopesMarkdown renders accessTable's authenticated routes as the
// README's table.
func scopesMarkdown() string {
	var b strings.Builder
	b.WriteString("| API key scope | route | who | what it does |\n|---|---|---|---|\n")
	for _, ra := range accessTable {
		if ra.reach != public {
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", ra.scopeLabel("`"), ra.pattern, ra.reach, ra.does)
		}
	}
	return b.String()
}

// scopesText renders accessTable's authenticated routes for a terminal.
func scopesText() string {
	var b strings.Builder
	for _, ra := range accessTable {
		if ra.reach != public {
			who := "admins"
			if ra.reach == members {
				who = "all"
			}
			fmt.Fprintf(&b, "  %-12s %-7s %-45s %s\n", ra.scopeLabel(""), who, ra.pattern, ra.does)
		}
	}
	return b.String()
}
