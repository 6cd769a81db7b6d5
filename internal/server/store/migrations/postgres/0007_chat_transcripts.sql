-- Ended web-chat conversations, kept for the retention period (package
-- helpdesk). body is the conversation's events as JSON; sha256 is its
-- digest, also written to the audit log when the conversation ends.
CREATE TABLE chat_transcripts (
	id          TEXT PRIMARY KEY,
	session     TEXT NOT NULL DEFAULT '',
	operator    TEXT NOT NULL DEFAULT '',
	customer    TEXT NOT NULL DEFAULT '',
	started_at  BIGINT NOT NULL,
	ended_at    BIGINT NOT NULL,
	messages    INTEGER NOT NULL,
	sha256      BYTEA NOT NULL,
	body        BYTEA NOT NULL
);
CREATE INDEX chat_transcripts_ended ON chat_transcripts (ended_at);
CREATE INDEX chat_transcripts_session ON chat_transcripts (session);
