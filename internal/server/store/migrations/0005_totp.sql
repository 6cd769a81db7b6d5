-- TOTP second factor. sealed is the shared secret encrypted by package
-- auth (AES-256-GCM); it is never stored or returned in the clear.
-- last_step is the newest accepted time step, so a code is used once.
CREATE TABLE totp (
	account_id  TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	sealed      BLOB NOT NULL,
	confirmed   INTEGER NOT NULL DEFAULT 0,
	last_step   INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
) STRICT;

-- Accounts and groups an administrator requires TOTP of.
CREATE TABLE totp_required (
	subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('account', 'group')),
	subject       TEXT NOT NULL,
	PRIMARY KEY (subject_kind, subject)
) STRICT;
