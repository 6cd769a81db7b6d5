package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

var _ ChatTranscripts = (*sqlStore)(nil)

const transcriptCols = "id, session, operator, customer, started_at, ended_at, messages, sha256, body"

// transcriptListCols reads no body (an empty blob in its place).
func (s *sqlStore) transcriptListCols() string {
	return "id, session, operator, customer, started_at, ended_at, messages, sha256, " + s.d.emptyBlob
}

// PutChatTranscript implements ChatTranscripts.
func (s *sqlStore) PutChatTranscript(ctx context.Context, t ChatTranscript) error {
	if t.ID == "" {
		return errors.New("store chat transcript: need an ID")
	}
	_, err := s.db.ExecContext(ctx, "INSERT INTO chat_transcripts ("+transcriptCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		t.ID, t.Session, t.Operator, t.Customer, nanos(t.Started), nanos(t.Ended), t.Messages, nonNil(t.SHA256), nonNil(t.Body))
	if isConstraint(err) {
		return fmt.Errorf("store chat transcript %q: %w", t.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("store chat transcript: %w", err)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func scanTranscript(row interface{ Scan(...any) error }) (ChatTranscript, error) {
	var t ChatTranscript
	var started, ended int64
	if err := row.Scan(&t.ID, &t.Session, &t.Operator, &t.Customer, &started, &ended, &t.Messages, &t.SHA256, &t.Body); err != nil {
		return ChatTranscript{}, err
	}
	t.Started, t.Ended = fromNanos(started), fromNanos(ended)
	return t, nil
}

// ChatTranscript implements ChatTranscripts.
func (s *sqlStore) ChatTranscript(ctx context.Context, id string) (ChatTranscript, error) {
	t, err := scanTranscript(s.db.QueryRowContext(ctx, "SELECT "+transcriptCols+" FROM chat_transcripts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return ChatTranscript{}, fmt.Errorf("chat transcript %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return ChatTranscript{}, fmt.Errorf("read chat transcript: %w", err)
	}
	return t, nil
}

// SessionChatTranscripts implements ChatTranscripts.
func (s *sqlStore) SessionChatTranscripts(ctx context.Context, session string) ([]ChatTranscript, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+transcriptCols+" FROM chat_transcripts WHERE session = ? ORDER BY ended_at, id", session)
	if err != nil {
		return nil, fmt.Errorf("read chat transcripts: %w", err)
	}
	defer rows.Close()
	var out []ChatTranscript
	for rows.Next() {
		t, err := scanTranscript(rows)
		if err != nil {
			return nil, fmt.Errorf("read chat transcripts: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ListChatTranscripts implements ChatTranscripts.
func (s *sqlStore) ListChatTranscripts(ctx context.Context, f ChatTranscriptFilter) ([]ChatTranscript, error) {
	if f.Limit <= 0 {
		return nil, errors.New("list chat transcripts: need a positive limit")
	}
	q := "SELECT " + s.transcriptListCols() + " FROM chat_transcripts WHERE ended_at >= ?"
	args := []any{nanos(f.Since)}
	if f.Session != "" {
		q += " AND session = ?"
		args = append(args, f.Session)
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY ended_at DESC, id LIMIT ?", append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list chat transcripts: %w", err)
	}
	defer rows.Close()
	var out []ChatTranscript
	for rows.Next() {
		t, err := scanTranscript(rows)
		if err != nil {
			return nil, fmt.Errorf("list chat transcripts: %w", err)
		}
		t.Body = nil
		out = append(out, t)
	}
	return out, rows.Err()
}

// PurgeChatTranscripts implements ChatTranscripts.
func (s *sqlStore) PurgeChatTranscripts(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM chat_transcripts WHERE ended_at < ?", nanos(t))
	if err != nil {
		return 0, fmt.Errorf("purge chat transcripts: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
