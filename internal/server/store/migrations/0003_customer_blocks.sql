-- Customer blocks: addresses (and, once agents have a persistent identity,
-- agent IDs) refused at session join and relay allocation. expires_at 0 is
-- permanent. created_kind is the blocker's account kind at the time, so an
-- operator can never lift an administrator's block even after a change.
CREATE TABLE customer_blocks (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	prefix        TEXT NOT NULL DEFAULT '',
	agent_id      TEXT NOT NULL DEFAULT '',
	reason        TEXT NOT NULL DEFAULT '',
	created_by    TEXT NOT NULL,
	created_kind  TEXT NOT NULL CHECK (created_kind IN ('administrator', 'operator')),
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL DEFAULT 0,
	CHECK (prefix != '' OR agent_id != '')
) STRICT;
CREATE INDEX customer_blocks_expires ON customer_blocks (expires_at);
