package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SaveOpenConversations implements OpenConversations.
func (s *SQLite) SaveOpenConversations(ctx context.Context, snapshots [][]byte) error {
	now := nanos(time.Now())
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM open_conversations"); err != nil {
			return err
		}
		for _, b := range snapshots {
			if _, err := tx.ExecContext(ctx, "INSERT INTO open_conversations (snapshot, saved_at) VALUES (?, ?)", b, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("keep open conversations: %w", err)
	}
	return nil
}

// TakeOpenConversations implements OpenConversations.
func (s *SQLite) TakeOpenConversations(ctx context.Context) ([][]byte, error) {
	var out [][]byte
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT snapshot FROM open_conversations ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return err
			}
			out = append(out, b)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM open_conversations")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("take back open conversations: %w", err)
	}
	return out, nil
}
