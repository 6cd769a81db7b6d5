-- API keys for the JSON API: scoped, expiring, revocable. hash is SHA-256
-- of the 32 random bytes the holder has; id is a public handle for
-- listing and revoking. scopes is the sorted, newline-separated list.
CREATE TABLE api_keys (
	id          TEXT PRIMARY KEY,
	hash        BYTEA NOT NULL UNIQUE,
	account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	name        TEXT NOT NULL DEFAULT '',
	scopes      TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL,
	revoked_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_account ON api_keys (account_id);
