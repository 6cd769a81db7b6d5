// Package console is the operator's console in a browser, served by the
// signaling server at /console from files embedded in the binary: no
// third-party origin, no framework fetched at run time, plain JavaScript
// modules under a strict Content-Security-Policy (no inline script or
// style, no eval), never framed (frame-ancestors 'none', X-Frame-Options
// DENY), in English and French.
//
// # Login
//
// The page logs in with SCRAM-SHA-256 computed by WebCrypto (PBKDF2,
// HMAC and SHA-256 from crypto.subtle), against the same accounts,
// lockout, throttles, IP rules, TOTP and password policy as the desktop
// technician (package auth). The password never leaves the page.
//
//	POST /console/api/login/start  {id, client_first}            -> {login_id, server_first}
//	POST /console/api/login/finish {login_id, client_final, totp?} -> {server_final, id, name, csrf, expires}
//	GET  /console/api/me                                          -> {id, name, organisation, csrf}
//	POST /console/api/logout       X-Tandem-CSRF: csrf            -> 204
//	GET  /console/api/ws           the signaling WebSocket (docs/wire.md section 3), authenticated by the cookie
//	GET  /console/api/desk         the operators' desk WebSocket (section 12), authenticated by the cookie
//
// A browser cannot bind SCRAM to its TLS connection, so these calls
// accept an unbound proof, and only with the server's own Origin
// (auth.StartBrowserLogin says what protects them instead). The session
// token never reaches the page's scripts: finish sets it in a cookie that
// is HttpOnly, Secure, SameSite=Strict and scoped to /console. Every call
// that changes state checks the Origin; logout also needs the CSRF token,
// an HMAC of the session token that the page holds in memory. The
// WebSocket's open message carries the placeholder token "cookie": the
// server opens the session with the cookie's token instead.
//
// # Signaling lost
//
// The socket is signaling's own (serveWSToken), so it takes resume as its
// first message like /v1/ws (docs/wire.md 3.6). The page keeps the
// resumable secret in memory only; when its socket closes unasked while
// the peer link lives, it redials (250 ms doubling to 5 s, ±50 % jitter,
// 2 minutes at most), sends resume, and restarts ICE on resumed and on
// peer-resumed, as the offerer. Its status line says the signaling was
// lost, then restored.
package console
