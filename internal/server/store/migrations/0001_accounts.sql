-- Accounts, SCRAM keys, password history, groups, IP rules, lockouts,
-- session tokens and server secrets. Times are Unix nanoseconds (UTC);
-- 0 means "never".
CREATE TABLE accounts (
	id            TEXT PRIMARY KEY,
	kind          TEXT NOT NULL CHECK (kind IN ('administrator', 'operator')),
	display_name  TEXT NOT NULL DEFAULT '',
	organisation  TEXT NOT NULL DEFAULT '',
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL
) STRICT;

-- SCRAM-SHA-256 server keys only (RFC 5802 §3): never the password, never
-- SaltedPassword or ClientKey.
CREATE TABLE credentials (
	account_id  TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	salt        BLOB NOT NULL,
	iterations  INTEGER NOT NULL CHECK (iterations > 0),
	stored_key  BLOB NOT NULL,
	server_key  BLOB NOT NULL,
	set_at      INTEGER NOT NULL
) STRICT;

-- Earlier passwords for the no-reuse rule, each a StoredKey under its own salt.
CREATE TABLE password_history (
	account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	salt        BLOB NOT NULL,
	iterations  INTEGER NOT NULL,
	verifier    BLOB NOT NULL,
	set_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX password_history_account ON password_history (account_id, seq);

CREATE TABLE groups (
	name  TEXT PRIMARY KEY
) STRICT;

CREATE TABLE group_members (
	group_name  TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
	account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	PRIMARY KEY (group_name, account_id)
) STRICT;
CREATE INDEX group_members_account ON group_members (account_id);

-- subject_kind is 'account' or 'group'; prefix is canonical CIDR text.
CREATE TABLE ip_rules (
	subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('account', 'group')),
	subject       TEXT NOT NULL,
	prefix        TEXT NOT NULL,
	PRIMARY KEY (subject_kind, subject, prefix)
) STRICT;

-- Keyed by the ID as typed, known or not (see Lockouts), so no foreign key.
CREATE TABLE lockouts (
	id             TEXT PRIMARY KEY,
	failures       INTEGER NOT NULL DEFAULT 0,
	blocked_until  INTEGER NOT NULL DEFAULT 0,
	last_attempt   INTEGER NOT NULL DEFAULT 0
) STRICT;

-- hash is SHA-256 of the 32-byte random token the client holds.
CREATE TABLE tokens (
	hash        BLOB PRIMARY KEY,
	account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	revoked_at  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX tokens_account ON tokens (account_id);

CREATE TABLE secrets (
	name   TEXT PRIMARY KEY,
	value  BLOB NOT NULL
) STRICT;
