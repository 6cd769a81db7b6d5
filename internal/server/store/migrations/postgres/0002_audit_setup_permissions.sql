-- The audit log, one-time setup tokens and operator permissions.

-- Append-only and hash-chained: hash = SHA-256(prev || canonical(entry)),
-- computed by package audit. The triggers make ordinary UPDATE, DELETE and
-- TRUNCATE fail; the database's owner can still drop them, which is what
-- the chain is for.
CREATE TABLE audit_log (
	seq      BIGINT PRIMARY KEY CHECK (seq > 0),
	at       BIGINT NOT NULL,
	kind     TEXT NOT NULL,
	actor    TEXT NOT NULL DEFAULT '',
	subject  TEXT NOT NULL DEFAULT '',
	source   TEXT NOT NULL DEFAULT '',
	detail   TEXT NOT NULL DEFAULT '',
	prev     BYTEA NOT NULL,
	hash     BYTEA NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- hash is SHA-256 of the printed token; at most one row is live.
CREATE TABLE setup_tokens (
	hash        BYTEA PRIMARY KEY,
	expires_at  BIGINT NOT NULL
);

-- functions is the sorted, newline-separated list of granted functions.
CREATE TABLE permissions (
	subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('account', 'group')),
	subject       TEXT NOT NULL,
	functions     TEXT NOT NULL,
	PRIMARY KEY (subject_kind, subject)
);
