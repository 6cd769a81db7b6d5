// Package login is the client side of the operator login, and the wire
// format both ends share: SCRAM-SHA-256 over two HTTPS requests, bound to
// the TLS connection that carries them (see package auth for the flow and
// the server). It stands apart from package auth so that the technician
// links the client alone, without the server's store and its SQLite.
package login
