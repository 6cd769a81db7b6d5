-- Ended web-chat conversations, kept for the retention period (package
-- helpdesk). body is the conversation's events as JSON; sha256 is its
-- digest, also written to the audit log when the conversation ends.
CREATE TABLE chat_transcripts (
	id          TEXT PRIMARY KEY,
	session     TEXT NOT NULL DEFAULT '',
	operator    TEXT NOT NULL DEFAULT '',
	customer    TEXT NOT NULL DEFAULT '',
	started_at  INTEGER NOT NULL,
	ended_at    INTEGER NOT NULL,
	messages    INTEGER NOT NULL,
	sha256      BLOB NOT NULL,
	body        BLOB NOT NULL
) STRICT;
CREATE INDEX chat_transcripts_ended ON chat_transcripts (ended_at);
CREATE INDEX chat_transcripts_session ON chat_transcripts (session);
