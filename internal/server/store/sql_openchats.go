package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// SaveOpenConversations implements OpenConversations.
func (s *sqlStore) SaveOpenConversations(ctx context.Context, snapshots [][]byte) error {
	now := nanos(time.Now())
	err := s.tx(ctx, func(tx *sqlTx) error {
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
func (s *sqlStore) TakeOpenConversations(ctx context.Context) ([][]byte, error) {
	// One DELETE ... RETURNING, so that of two servers starting at once
	// only one takes each conversation back.
	type saved struct {
		id int64
		b  []byte
	}
	var all []saved
	rows, err := s.db.QueryContext(ctx, "DELETE FROM open_conversations RETURNING id, snapshot")
	if err != nil {
		return nil, fmt.Errorf("take back open conversations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v saved
		if err := rows.Scan(&v.id, &v.b); err != nil {
			return nil, fmt.Errorf("take back open conversations: %w", err)
		}
		all = append(all, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("take back open conversations: %w", err)
	}
	slices.SortFunc(all, func(a, b saved) int { return cmp.Compare(a.id, b.id) })
	var out [][]byte
	for _, v := range all {
		out = append(out, v.b)
	}
	return out, nil
}
