-- The audit log, one-time setup tokens and operator permissions.

-- Append-only and hash-chained: hash = SHA-256(prev || canonical(entry)),
-- computed by package audit. The triggers make ordinary UPDATE and DELETE
-- fail; someone with the file can still drop them, which is what the chain
-- is for.
CREATE TABLE audit_log (
	seq      INTEGER PRIMARY KEY CHECK (seq > 0),
	at       INTEGER NOT NULL,
	kind     TEXT NOT NULL,
	actor    TEXT NOT NULL DEFAULT '',
	subject  TEXT NOT NULL DEFAULT '',
	source   TEXT NOT NULL DEFAULT '',
	detail   TEXT NOT NULL DEFAULT '',
	prev     BLOB NOT NULL,
	hash     BLOB NOT NULL
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

-- hash is SHA-256 of the printed token; at most one row is live.
CREATE TABLE setup_tokens (
	hash        BLOB PRIMARY KEY,
	expires_at  INTEGER NOT NULL
) STRICT;

-- functions is the sorted, newline-separated list of granted functions.
CREATE TABLE permissions (
	subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('account', 'group')),
	subject       TEXT NOT NULL,
	functions     TEXT NOT NULL,
	PRIMARY KEY (subject_kind, subject)
) STRICT;
