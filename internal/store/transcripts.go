package store

import (
	"context"
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
	SHA256   []byte // of Body
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
	// PurgeChatTranscripts deletes the transcripts of conversations that
	// ended before t and returns how many.
	PurgeChatTranscripts(ctx context.Context, t time.Time) (int, error)
}
