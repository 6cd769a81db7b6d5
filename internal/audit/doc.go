// Package audit is Tandem's append-only, hash-chained audit log: logins
// and their failures, blocked and unlocked IDs, account, group, IP rule
// and permission changes, customer blocks, and session start and end.
//
// # Chain
//
// Every entry is stored with the previous entry's hash and its own:
//
//	hash(n) = SHA-256( hash(n-1) || canonical(n) )
//
// where hash(0) is 32 zero bytes and canonical(n) is a length-prefixed
// binary encoding of the entry's sequence number, time, kind, actor,
// subject, source and detail (see Canonical; golden bytes in the tests).
// Appending reads the newest entry and inserts the next one in a single
// write transaction, so two writers - the server and a local `signaling
// admin` command on the same database - cannot fork the chain.
//
// The store refuses UPDATE and DELETE on the table by trigger. Someone
// with the database file can drop the trigger and rewrite rows; Verify
// then names the first entry whose hash, link or sequence number does not
// hold. (Rewriting an entry and recomputing every later hash, or cutting
// entries off the end, needs the head hash kept elsewhere to notice:
// Verify prints the head so an administrator can record it.)
//
// Entries never carry a password, proof or token.
package audit
