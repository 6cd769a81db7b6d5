package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// AddCustomerBlock implements CustomerBlocks.
func (s *sqlStore) AddCustomerBlock(ctx context.Context, b CustomerBlock) (CustomerBlock, error) {
	if !b.Prefix.IsValid() && b.AgentID == "" {
		return CustomerBlock{}, errors.New("add customer block: need an address or an agent ID")
	}
	if !b.CreatorKind.Valid() || b.CreatedBy == "" {
		return CustomerBlock{}, errors.New("add customer block: need who blocked and their kind")
	}
	prefix := ""
	if b.Prefix.IsValid() {
		b.Prefix = NormalizePrefix(b.Prefix)
		prefix = b.Prefix.String()
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO customer_blocks
		(prefix, agent_id, reason, created_by, created_kind, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		prefix, b.AgentID, b.Reason, b.CreatedBy, string(b.CreatorKind), nanos(b.Created), nanos(b.Expires)).Scan(&b.ID)
	if err != nil {
		return CustomerBlock{}, fmt.Errorf("add customer block: %w", err)
	}
	return b, nil
}

const blockCols = "id, prefix, agent_id, reason, created_by, created_kind, created_at, expires_at"

func scanBlock(row interface{ Scan(...any) error }) (CustomerBlock, error) {
	var b CustomerBlock
	var prefix, kind string
	var created, expires int64
	if err := row.Scan(&b.ID, &prefix, &b.AgentID, &b.Reason, &b.CreatedBy, &kind, &created, &expires); err != nil {
		return CustomerBlock{}, err
	}
	if prefix != "" {
		p, err := netip.ParsePrefix(prefix)
		if err != nil {
			return CustomerBlock{}, fmt.Errorf("customer block %d: stored prefix %q: %w", b.ID, prefix, err)
		}
		b.Prefix = p
	}
	b.CreatorKind, b.Created, b.Expires = Kind(kind), fromNanos(created), fromNanos(expires)
	return b, nil
}

// CustomerBlock implements CustomerBlocks.
func (s *sqlStore) CustomerBlock(ctx context.Context, id int64) (CustomerBlock, error) {
	b, err := scanBlock(s.db.QueryRowContext(ctx, "SELECT "+blockCols+" FROM customer_blocks WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return CustomerBlock{}, fmt.Errorf("customer block %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return CustomerBlock{}, fmt.Errorf("read customer block: %w", err)
	}
	return b, nil
}

// CustomerBlocks implements CustomerBlocks.
func (s *sqlStore) CustomerBlocks(ctx context.Context, now time.Time) ([]CustomerBlock, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+blockCols+` FROM customer_blocks
		WHERE expires_at = 0 OR expires_at > ? ORDER BY id`, nanos(now))
	if err != nil {
		return nil, fmt.Errorf("list customer blocks: %w", err)
	}
	defer rows.Close()
	var out []CustomerBlock
	for rows.Next() {
		b, err := scanBlock(rows)
		if err != nil {
			return nil, fmt.Errorf("list customer blocks: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list customer blocks: %w", err)
	}
	return out, nil
}

// RemoveCustomerBlock implements CustomerBlocks.
func (s *sqlStore) RemoveCustomerBlock(ctx context.Context, id int64) error {
	if err := mustAffect(s.db.ExecContext(ctx, "DELETE FROM customer_blocks WHERE id = ?", id)); err != nil {
		return fmt.Errorf("remove customer block %d: %w", id, err)
	}
	return nil
}
