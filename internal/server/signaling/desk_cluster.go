package signaling

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandem-remote/tandem/internal/server/cluster"
	"github.com/tandem-remote/tandem/internal/server/helpdesk"
)

// With several nodes the help desk's conversations are one record each
// in the shared PostgreSQL database (helpdesk.Shared), replaced on the
// condition that it still has the events the writing node knew, and the
// nodes tell each other of every change over NATS (subjectDesk).
//
// Why both: the record must outlive any node (a page whose node was
// killed carries on with another, with every message), and two nodes
// adding an event at once must agree on its number, which one conditional
// UPDATE gives; NATS alone keeps nothing and orders only one publisher's
// messages. The bus then carries the news at once to every node's desks
// and pages (and typing notices, which are never recorded), where polling
// the database would add its period to every message.

// subjectDesk carries the help desk's news between the nodes.
const subjectDesk = "tandem.desk"

// deskSchema is the shared conversations' table. It lives beside the
// store's tables, as the session leases do: only clustered nodes use it.
const deskSchema = `CREATE TABLE IF NOT EXISTS cluster_desk_conversations (
	id       text PRIMARY KEY,
	events   integer NOT NULL,
	snapshot bytea NOT NULL,
	ended_at timestamptz
)`

// deskShared is helpdesk.Shared over the shared database and the bus.
type deskShared struct {
	db  *sql.DB
	bus *cluster.Bus
	log *slog.Logger
}

// openDeskShared makes the table if it is missing (under the leases'
// advisory lock: nodes starting together take turns).
func openDeskShared(ctx context.Context, db *sql.DB, bus *cluster.Bus, log *slog.Logger) (*deskShared, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("shared help desk: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7271386)`); err != nil {
		return nil, fmt.Errorf("shared help desk: %w", err)
	}
	if _, err := tx.ExecContext(ctx, deskSchema); err != nil {
		return nil, fmt.Errorf("shared help desk: create table: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("shared help desk: %w", err)
	}
	return &deskShared{db: db, bus: bus, log: log}, nil
}

// Put implements helpdesk.Shared.
func (d *deskShared) Put(ctx context.Context, id string, was, events int, snap []byte, ended time.Time) error {
	end := sql.NullTime{Time: ended, Valid: !ended.IsZero()}
	var res sql.Result
	var err error
	if was < 0 {
		res, err = d.db.ExecContext(ctx, `INSERT INTO cluster_desk_conversations (id, events, snapshot, ended_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, id, events, snap, end)
	} else {
		res, err = d.db.ExecContext(ctx, `UPDATE cluster_desk_conversations SET events = $3, snapshot = $4, ended_at = $5
			WHERE id = $1 AND events = $2 AND ended_at IS NULL`, id, was, events, snap, end)
	}
	if err != nil {
		return fmt.Errorf("shared help desk: record: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return helpdesk.ErrStale
	}
	return nil
}

// Get implements helpdesk.Shared.
func (d *deskShared) Get(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := d.db.QueryRowContext(ctx, `SELECT snapshot FROM cluster_desk_conversations WHERE id = $1`, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, helpdesk.ErrStale
	}
	if err != nil {
		return nil, fmt.Errorf("shared help desk: read: %w", err)
	}
	return b, nil
}

// Open implements helpdesk.Shared.
func (d *deskShared) Open(ctx context.Context) ([][]byte, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT snapshot FROM cluster_desk_conversations WHERE ended_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("shared help desk: open conversations: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("shared help desk: open conversations: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("shared help desk: open conversations: %w", err)
	}
	return out, nil
}

// Forget implements helpdesk.Shared.
func (d *deskShared) Forget(ctx context.Context, before time.Time) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM cluster_desk_conversations WHERE ended_at < $1`, before); err != nil {
		return fmt.Errorf("shared help desk: forget: %w", err)
	}
	return nil
}

// Publish implements helpdesk.Shared.
func (d *deskShared) Publish(news []byte) {
	if err := d.bus.Publish(subjectDesk, cluster.KindFrame, news); err != nil {
		d.log.Warn("cluster: tell the other nodes of a chat", "err", err)
	}
}

// receive hands the other nodes' news to hub, in order.
func (d *deskShared) receive(hub *helpdesk.Hub) error {
	_, err := d.bus.Subscribe(subjectDesk, func(_ cluster.Kind, data []byte) { hub.Receive(data) })
	return err
}
