package store

import (
	"context"
	"crypto/sha256"
	"time"
)

// ChatTranscript is an ended web-chat conversation (package helpdesk).
type ChatTranscript struct {
	ID       string // the conversation's ID
	Session  string // the session it was bound to, if any
	Operator string // the account that answered, if any
	Customer string // the name the customer gave, if any
	Started  time.Time
	Ended    time.Time
	Messages int
	SHA256   []byte // of Body: TranscriptSHA256(Body)
	Body     []byte // the events as JSON
}

// ChatTranscripts keeps ended conversations for the retention period.
type ChatTranscripts interface {
	// PutChatTranscript stores t, or fails with ErrExists for a known ID.
	PutChatTranscript(ctx context.Context, t ChatTranscript) error
	// ChatTranscript returns one transcript, or ErrNotFound.
	ChatTranscript(ctx context.Context, id string) (ChatTranscript, error)
	// SessionChatTranscripts returns the transcripts bound to a session,
	// oldest first.
	SessionChatTranscripts(ctx context.Context, session string) ([]ChatTranscript, error)
	// ListChatTranscripts returns the transcripts f selects, the latest
	// to end first, without their Body.
	ListChatTranscripts(ctx context.Context, f ChatTranscriptFilter) ([]ChatTranscript, error)
	// PurgeChatTranscripts deletes the transcripts of conversations that
	// ended before t and returns how many.
	PurgeChatTranscripts(ctx context.Context, t time.Time) (int, error)
}

// OpenConversations keeps the web chats still open when the server stops
// for the next start to take back (package helpdesk's Keeper): opaque
// snapshots, chat included, that live only until then.
type OpenConversations interface {
	// SaveOpenConversations replaces the kept snapshots with these.
	SaveOpenConversations(ctx context.Context, snapshots [][]byte) error
	// TakeOpenConversations returns the kept snapshots, in the order
	// saved, and deletes them, in one transaction.
	TakeOpenConversations(ctx context.Context) ([][]byte, error)
}

// ChatTranscriptFilter selects transcripts for ListChatTranscripts.
type ChatTranscriptFilter struct {
	Session string    // only those bound to this session; "" for any
	Since   time.Time // only those that ended at or after it; zero for any
	Limit   int       // at most this many; must be positive
}

// TranscriptSHA256 is the digest a transcript carries and its audit entry
// records: SHA-256 of the body exactly as stored.
func TranscriptSHA256(body []byte) []byte {
	sum := sha256.Sum256(body)
	return sum[:]
}
