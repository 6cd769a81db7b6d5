// Package audit is Tandem's append-only, hash-chained audit log: logins
// and their failures, TOTP enrollments and resets, blocked and unlocked
// IDs, account, group, IP rule and permission changes, API keys and the
// requests they were refused, customer blocks, sessions (open, join,
// refused join, end), agent downloads, web chat transcripts and every
// reading of one, and the log's own pruning.
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
// # Retention
//
// Prune removes the entries older than a cut-off, oldest first, in one
// transaction with an audit.pruned entry that names how many went and the
// newest of them (its sequence number and hash). The store keeps that
// newest removed entry as the anchor: the oldest kept entry links to its
// hash, so Verify checks the kept chain from there, and checks the anchor
// against the newest audit.pruned entry, so that entries cut off the
// start by hand do not pass for retention. The server prunes hourly for
// its -audit-retention (a year by default).
//
// Entries never carry a password, proof or token.
package audit
