// Package relayfeed is what the feeds a signaling server serves to
// standalone TURN relays share (the block feed, package blockfeed; the
// session feed, package sessionfeed): the relay's proof that it holds
// the TURN REST shared secret, the server's check of it (Handler), and
// the relay's Poller. Each feed keeps its own path, payload and parser.
//
// # Proof
//
// A relay sends, with every GET of a feed's path:
//
//	Authorization: Tandem-Relay <unix seconds>:<hex HMAC-SHA256(k, "GET " + path + "\n" + unix seconds)>
//	k = HMAC-SHA256(secret, "tandem relay block feed v1")
//
// The derived key keeps the feeds' MACs apart from TURN REST passwords
// made from the same secret, and the path in the MAC keeps a proof for
// one feed from opening another; the server accepts a timestamp within
// MaxSkew of its clock. A replayed request only reads a feed again.
//
// # Polling
//
// A Poller asks at once and then every Every (DefaultEvery). An answer
// that cannot be had or read changes nothing the feed kept from its last
// good one; the Poller says so in its log (once per kind of failure) and
// in Status. Polling keeps its pace through an outage (no backoff): one
// small request per interval is the price of hearing soon that the
// server is back.
package relayfeed
