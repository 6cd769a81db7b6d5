// Package auth logs operators and administrators in without their password
// ever crossing the network, and decides who may do so.
//
// # Login flow
//
// Login is SCRAM-SHA-256 (RFC 5802, RFC 7677) in two HTTPS round trips,
// bound to the TLS connection that carries them (tls-exporter channel
// binding, RFC 9266):
//
//  1. The client opens one TLS connection and computes the exporter value
//     (ExportKeyingMaterial "EXPORTER-Channel-Binding", 32 bytes). It sends
//     POST /v1/login/start {id, client_first}: the ID and a client nonce.
//  2. The server throttles the source address first (its failures, then
//     how fast it and its network start logins: startlimit.go), then checks
//     the ID's IP allow rules, and answers {login_id, server_first}: the
//     combined nonce, the account's salt and PBKDF2 iteration count. An
//     unknown ID gets a salt derived by HMAC from a server secret, so it
//     looks like any other and stays the same from one try to the next. The
//     started login waits 30 seconds at most for its finish, in a table that
//     one source (an IPv4 address, an IPv6 /64), nor a flood from a few
//     networks, can take from others: see pending.go.
//  3. The client derives its keys from the password with PBKDF2 (the slow
//     part, on the client) and sends POST /v1/login/finish {login_id,
//     client_final}: a proof that it knows the password, covering both
//     nonces and the channel binding. The proof is not the password and
//     cannot be replayed: it is only good for this exchange on this TLS
//     connection.
//  4. The server first reserves one of the ID's tries in the store (one
//     atomic write that counts the try as a failure and refuses a blocked
//     ID), then checks the proof against the stored StoredKey: a blocked
//     ID is refused even with a right proof, a wrong proof stays counted
//     (three in a row block the ID for 15 minutes, durably), a right one
//     clears the count. It checks the TOTP code in finish's "totp" field
//     when the account uses a second factor (a wrong,
//     missing or replayed code is one more failure; see totp.go and
//     totp_login.go: the code travels with the proof, so a right password
//     with a wrong code is never told apart from a wrong password), and on
//     success answers {server_final, token, expires}. server_final proves
//     the server knows the ServerKey, so the client also authenticates the
//     server.
//
// Every failure at finish - unknown ID, wrong password, wrong TOTP code,
// blocked ID, refused by IP rules, disabled - gets byte-for-byte the same
// 401 response after the same work, including one TOTP check (against a
// dummy secret when the account has none), one write to the lockout table
// and one audit event.
//
// The finish request must arrive on the same TLS connection as start (the
// server compares exporter values), so a login cannot be split across
// connections or relayed by a man in the middle holding another certificate.
//
// The browser console (package console) runs the same exchange without
// binding, since a page cannot read its connection's exporter:
// StartBrowserLogin and FinishBrowserLogin accept that, and only over TLS
// with the server's own Origin; browser.go says what protects it instead.
//
// # Several processes
//
// Processes sharing one store (signaling nodes on one PostgreSQL
// database) share the lockout, which lives there. The per-source failure
// throttle lives in each process's memory; ShareFailures and CountFailure
// make it one across them (throttle.go), over whatever carries messages
// between them. The lockout is exact across them: each finish reserves its
// try with one statement before its proof counts, and the database
// serializes those on the ID's row, so however many guesses for one ID
// race on however many processes, at most MaxFailures proofs can let a
// login through before the block; the others are refused as blocked. The
// price: a login for an ID while MaxFailures others for it are still being
// checked is refused too, even with the right password (a retry a moment
// later is not, once one of them has succeeded).
//
// # Where the server sees a password
//
// Only when one is set: an administrator's create-account or set-password
// call, or the one-time setup call that creates the first administrator
// (package admin), sends it over TLS; the server checks the
// policy, derives the SCRAM keys and a separately salted history
// fingerprint, and forgets it. It is never logged, never stored, and never
// sent at login.
//
// # Tokens
//
// A successful login returns an opaque token: 32 random bytes, base64url.
// The store keeps only its SHA-256. Tokens expire, are revoked by logout,
// and all of an account's tokens die when it is disabled or its password
// changes. Authenticate turns a token back into an account.
package auth
