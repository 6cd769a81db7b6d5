-- Audit retention: entries older than the retention period are removed,
-- oldest first, by PruneAudit alone. audit_anchor keeps the newest removed
-- entry's sequence number and hash, which the oldest kept entry links to,
-- so the chain still verifies from there. Ordinary DELETE still fails: the
-- trigger lets one through only while PruneAudit's own transaction holds
-- the row in audit_pruning, and only from the oldest end.
CREATE TABLE audit_anchor (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	seq   INTEGER NOT NULL CHECK (seq > 0),
	at    INTEGER NOT NULL,
	hash  BLOB NOT NULL
) STRICT;
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor
WHEN NEW.seq <= OLD.seq
BEGIN SELECT RAISE(ABORT, 'the audit anchor only moves forward'); END;
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN SELECT RAISE(ABORT, 'the audit anchor cannot be removed'); END;

CREATE TABLE audit_pruning (id INTEGER PRIMARY KEY CHECK (id = 1)) STRICT;

DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_pruning)
	OR OLD.seq > (SELECT min(seq) FROM audit_log)
BEGIN SELECT RAISE(ABORT, 'audit log is append-only (old entries go only by retention, oldest first)'); END;
