// Package signalingtest gives tests a real operator on a real signaling
// server, made the way a new installation makes its first one: the first
// administrator is created with the server's one-time setup token (POST
// /v1/setup), the administrator adds an operator with a password and its
// session functions through the admin API, and the operator logs in with
// SCRAM. The login's session token is what a technician's Open carries;
// the ID and password are what `technician -user` takes.
//
// In-process tests give their signaling.Config operator accounts with
// Wire (a SQLite database in the test's temporary directory, wired as the
// signaling binary wires its own), or let Start do everything. Tests of
// the binaries find the setup token in the server's start-up summary with
// SetupToken and call Setup against the running process.
package signalingtest
