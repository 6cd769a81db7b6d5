// Package sessionfeed tells TURN relays which sessions have ended, so that
// a session's TURN credential stops working soon after the session does
// instead of living until its expiry (the session's latest end).
//
// # Flow
//
// The signaling server records every session that ends before its
// credentials expire in a Book (Memory, for one node), and serves the
// Book at GET /v1/relay/ended (Handler). An end is recorded a grace
// after the session ends (signaling's Config.EndGrace, 5 s in the
// service), so that the peers' last words still crossing a relay (a
// refusal, a goodbye, the DTLS close) are not cut. A standalone relay
// polls the Book (Feed) and hands every end to the relay
// (relay.EndSession), which refuses the session's credential from then on
// and closes the allocations made with it. The embedded relay, in the
// signaling process, is told directly when the end is recorded.
//
// A relay proves it holds the TURN REST shared secret as for the block
// feed (package blockfeed), with a MAC over this feed's own path (package
// relayfeed, which also polls for the relay):
//
//	Authorization: Tandem-Relay <unix seconds>:<hex HMAC-SHA256(k, "GET /v1/relay/ended\n" + unix seconds)>
//
// The relay asks for the ends after the cursor of its last answer:
//
//	GET /v1/relay/ended?after=CURSOR
//	{"cursor":"…","ended":[{"session":"…","until":"2026-12-06T20:00:00Z"}]}
//
// Session is the tag of the session's credentials (turncred), until is
// when they expire; past it the entry is dropped everywhere, so the list
// is bounded by the sessions that ended within one credential lifetime.
// A cursor the Book does not know (none yet, or one from before a
// restart of the server) gets every entry it keeps. An end is repeated
// harmlessly: ending a session twice changes nothing.
//
// So a credential outlives its session by the grace plus at most the
// feed's polling interval (plus the poll's round trip) while the relay
// reaches the server; through an outage it keeps working until the relay
// hears of the end or the credential expires.
package sessionfeed
