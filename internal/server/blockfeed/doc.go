// Package blockfeed carries the customer blocks from the signaling server
// to standalone TURN relays, so that a blocked address gets no relay
// allocation on any of them (the embedded relay asks the store directly).
//
// # Flow
//
// The signaling server serves GET /v1/relay/blocks (Handler): the active
// blocks' address prefixes and when each ends, nothing else (no reason,
// no author: a relay needs only addresses). A relay proves it holds the
// TURN REST shared secret that signaling and relays already share, with
// a MAC over this feed's path (package relayfeed, which the session feed,
// package sessionfeed, shares).
//
// The relay's Feed polls every Every (30 s by default) and answers
// Blocked from the last list it got, honouring each block's end by its
// own clock between polls. When the server cannot be reached it keeps the
// last list (blocks do not lapse with an outage) and says so in its log
// and in Status; until a first list arrives nothing is refused, since
// clients also need the server's credentials to allocate at all.
package blockfeed
