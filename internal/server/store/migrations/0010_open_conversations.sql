-- Web chat conversations still open when the server stopped, kept for the
-- next start to take back (package helpdesk, keep.go). A snapshot holds
-- the conversation's messages; the next start reads and deletes them.
CREATE TABLE open_conversations (
	id        INTEGER PRIMARY KEY,
	snapshot  BLOB NOT NULL,
	saved_at  INTEGER NOT NULL
) STRICT;
