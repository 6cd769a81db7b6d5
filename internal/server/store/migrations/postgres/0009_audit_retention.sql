-- Audit retention: entries older than the retention period are removed,
-- oldest first, by PruneAudit alone. audit_anchor keeps the newest removed
-- entry's sequence number and hash, which the oldest kept entry links to,
-- so the chain still verifies from there. Ordinary DELETE still fails: a
-- DELETE passes only while PruneAudit's own transaction holds the row in
-- audit_pruning, and only when what it removed is a prefix of the log
-- (checked once per statement, on the rows it removed).
CREATE TABLE audit_anchor (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	seq   BIGINT NOT NULL CHECK (seq > 0),
	at    BIGINT NOT NULL,
	hash  BYTEA NOT NULL
);
CREATE FUNCTION audit_anchor_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.seq <= OLD.seq THEN RAISE EXCEPTION 'the audit anchor only moves forward'; END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor
	FOR EACH ROW EXECUTE FUNCTION audit_anchor_forward();
CREATE FUNCTION audit_anchor_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit anchor cannot be removed'; END $$;
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
	FOR EACH ROW EXECUTE FUNCTION audit_anchor_kept();

CREATE TABLE audit_pruning (id INTEGER PRIMARY KEY CHECK (id = 1));

DROP TRIGGER audit_log_no_delete ON audit_log;
CREATE FUNCTION audit_log_pruned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM audit_pruning)
		OR (SELECT max(seq) FROM gone) > (SELECT min(seq) FROM audit_log) THEN
		RAISE EXCEPTION 'audit log is append-only (old entries go only by retention, oldest first)';
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER audit_log_prune_only AFTER DELETE ON audit_log
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION audit_log_pruned();
