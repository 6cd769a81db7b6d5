// Package admin is what an administrator does to a Tandem server:
// accounts, groups, IP rules, permissions, unlocking, customer blocks, the
// audit log, reading stored web chat transcripts (chats.go), and the
// one-time setup that creates the first administrator.
// Operators share a few actions, on their own behalf: temporary customer
// blocks (blocks.go), TOTP enrollment (totp.go) and API keys limited to
// blocks (apikeys.go). Scripts use scoped, expiring, revocable API keys
// instead of a login, for everything that does not mint or change a login;
// access.go decides, once, who may call each route and with which scope.
//
// Every action is one method of Admin, audited with the acting
// administrator (carried in the context, see audit.WithActor). Two
// interfaces call the same methods:
//
//   - the JSON API under /v1/admin/ (Handler), for a logged-in
//     administrator's bearer token or an API key; operators get 403;
//   - `signaling admin ...` (Main), for a local administrator with shell
//     access, working on the data directory's database directly.
//
// # Setup
//
// There is no default account. While no administrator exists, the server
// prints a one-time setup token (stored only as its SHA-256, valid for an
// hour) and POST /v1/setup {token, id, name, password} creates the first
// administrator. From then on every spelling of the setup path - suffixes,
// a trailing slash, other case, percent-encoding, dot segments, doubled
// slashes - answers the same 404 as any unknown path.
package admin
